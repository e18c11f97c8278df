/**
 * How accurate is sentiment on the labelled utterances we ship, for text the model never saw?
 *   npx tsx bench/intents/sentiment.ts [splits=5]
 * Each split holds out a stratified 30 %; the learned model trains on the rest. Ours is the
 * shipped combination (lexicon, learned model where the lexicon is silent); the peers are its
 * parts alone.
 */
import { cpus } from "node:os";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";
import { labelFor, lexiconSentiment } from "../../packages/assistant/src/sentiment/analyze.ts";
import {
  blendSentiment,
  sentimentTrainingData,
  trainSentimentModel,
} from "../../packages/assistant/src/sentiment/index.ts";

const splits = Number(process.argv[2] ?? 5);
const data = sentimentTrainingData();
let n = 0;
const right = { blend: 0, lexicon: 0, model: 0 };
for (let seed = 1; seed <= splits; seed++) {
  const { train, heldOut } = stratifiedSplit(data, (d) => d.label, 0.3, seed);
  const model = trainSentimentModel(train, seed);
  for (const d of heldOut) {
    n++;
    if (blendSentiment(d.text, model).label === d.label) right.blend++;
    if (labelFor(lexiconSentiment(d.text)) === d.label) right.lexicon++;
    if (model.classify(d.text).ranked[0]?.intent === d.label) right.model++;
  }
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`;
const acc = (k: number): string => `${((100 * k) / n).toFixed(1)} %`;
console.log(`${data.length} utterances, ${splits} splits, ${n} held-out predictions`);
console.log("| measure | ours | peer | ratio | machine |");
console.log("|---|---|---|---|---|");
console.log(
  `| 3-way accuracy, held out | ${acc(right.blend)} | lexicon alone ${acc(right.lexicon)} | ${(right.blend / right.lexicon).toFixed(3)} | ${machine} |`,
);
console.log(
  `| 3-way accuracy, held out | ${acc(right.blend)} | learned model alone ${acc(right.model)} | ${(right.blend / right.model).toFixed(3)} | ${machine} |`,
);
