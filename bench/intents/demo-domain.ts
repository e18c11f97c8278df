/**
 * On the shipped demo shop domain (zh + en, fine-grained intents, ~28 examples each), what do
 * EDA augmentation and the background out-of-scope set change?
 *   npx tsx bench/intents/demo-domain.ts [seeds=3]
 * Each seed holds out a stratified 20 % of the domain's examples as the test set. The OOS probes
 * below are general questions written for this benchmark, none of them in the background set.
 */
import { cpus } from "node:os";
import { augmentExamples } from "../../packages/assistant/src/augment/index.ts";
import { demoDomainDir, domainExamples, loadDomain } from "../../packages/assistant/src/domain/load.ts";
import { trainIntentClassifier } from "../../packages/assistant/src/intents/classifier.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";

const PROBES = [
  "月亮上有水吗",
  "what's the tallest building in the world",
  "教我下象棋",
  "how do planes fly",
  "推荐几本小说",
  "who is the richest person",
  "怎么做蛋糕",
  "what is the boiling point of water",
  "明天适合去爬山吗",
  "tell me about the roman empire",
  "银河系有多大",
  "how to fix a flat bicycle tire",
  "帮我起个英文名",
  "what's the best programming language",
  "熊猫吃什么",
  "how many legs does a spider have",
  "李白是哪个朝代的",
  "recommend a podcast",
  "火星上有生命吗",
  "what's the time in london",
];

const seeds = Number(process.argv[2] ?? 3);
const examples = domainExamples(loadDomain(demoDomainDir)).map((e) => ({ text: e.text, intent: e.intent }));
const sum = { plain: 0, eda: 0, accNoBg: 0, accBg: 0, oosNoBg: 0, oosBg: 0 };
for (let seed = 1; seed <= seeds; seed++) {
  const { train, heldOut } = stratifiedSplit(examples, (e) => e.intent, 0.2, seed);
  const top1 = (clf: ReturnType<typeof trainIntentClassifier>): number =>
    heldOut.filter((e) => clf.classify(e.text).ranked[0]?.intent === e.intent).length / heldOut.length;
  sum.plain += top1(trainIntentClassifier(train, { seed, heldOut: [] }));
  sum.eda += top1(
    trainIntentClassifier(augmentExamples(train, { variants: 4, seed }), { seed, heldOut: [] }),
  );
  for (const bg of [false, true]) {
    const clf = trainIntentClassifier(train, { seed, backgroundOos: bg });
    const acc = heldOut.filter((e) => clf.classify(e.text).intent === e.intent).length / heldOut.length;
    const oos = PROBES.filter((p) => clf.classify(p).oos).length / PROBES.length;
    if (bg) {
      sum.accBg += acc;
      sum.oosBg += oos;
    } else {
      sum.accNoBg += acc;
      sum.oosNoBg += oos;
    }
  }
}
const pct = (v: number): string => `${((100 * v) / seeds).toFixed(1)} %`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`;
console.log(`demo domain: ${examples.length} examples, ${seeds} seeds, 20 % held out`);
console.log("| measure | ours | peer | ratio | machine |");
console.log("|---|---|---|---|---|");
console.log(
  `| top-1, EDA ×4 vs none | ${pct(sum.eda)} | ${pct(sum.plain)} | ${(sum.eda / sum.plain).toFixed(3)} | ${machine} |`,
);
console.log(
  `| OOS probe recall, background OOS vs none | ${pct(sum.oosBg)} | ${pct(sum.oosNoBg)} | ${(sum.oosBg / Math.max(1e-9, sum.oosNoBg)).toFixed(3)} | ${machine} |`,
);
console.log(
  `| in-scope accuracy with rejection, background OOS vs none | ${pct(sum.accBg)} | ${pct(sum.accNoBg)} | ${(sum.accBg / sum.accNoBg).toFixed(3)} | ${machine} |`,
);
