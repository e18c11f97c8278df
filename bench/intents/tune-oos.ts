/**
 * Out-of-scope settings chosen on validation data only (never the test split). CLINC150's `val`
 * is cut into two stratified halves: the classifier (trained on `train`) is calibrated on one
 * half (temperature and threshold) and scored on the other, then the other way round, so the
 * threshold is judged on utterances it was not fitted to. Sets without a published validation
 * split (BANKING77, SMP2017) hold out a stratified 10 % of train, as tune.ts.
 *   npx tsx bench/intents/tune-oos.ts clinc150 0,0.5,1,1.5 0.75
 * Arguments: data set, coverage powers, target OOS recalls, then optionally "no-oos-class" to
 * drop the out-of-scope training examples (rejection by threshold alone).
 */
import { trainIntentClassifier } from "../../packages/assistant/src/intents/classifier.ts";
import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { evaluateIntents } from "../../packages/assistant/src/intents/evaluate.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";
import { trainAndValidation } from "./validation.ts";

const name = (process.argv[2] ?? "clinc150") as IntentDatasetName;
const powers = (process.argv[3] ?? "0,1").split(",").map(Number);
const targets = (process.argv[4] ?? "0.75").split(",").map(Number);
const noOosClass = process.argv[5] === "no-oos-class";

const ds = loadIntentDataset(name);
const split = trainAndValidation(ds);
let train = split.train;
const val = split.val;
if (noOosClass) train = train.filter((e) => e.intent !== "oos");
const halves = stratifiedSplit(val, (e) => e.intent, 0.5, 5);
const folds = [
  [halves.train, halves.heldOut],
  [halves.heldOut, halves.train],
];
const pct = (v: number): string => `${(100 * v).toFixed(2)} %`;
console.log(
  `| ${name}${noOosClass ? " (no oos class)" : ""} | coverage power | target | in-scope acc | closed top-1 | OOS recall | OOS precision |`,
);
console.log("|---|---|---|---|---|---|---|");
for (const power of powers)
  for (const target of targets) {
    const sum = { acc: 0, top1: 0, rec: 0, prec: 0 };
    for (const [calibrate, score] of folds) {
      const clf = trainIntentClassifier(train, {
        heldOut: calibrate,
        coveragePower: power,
        targetOosRecall: target,
      });
      const r = evaluateIntents(clf, score);
      sum.acc += r.accuracy / 2;
      sum.top1 += r.top1_accuracy / 2;
      sum.rec += (r.oos_recall ?? 0) / 2;
      sum.prec += (r.oos_precision ?? 0) / 2;
    }
    console.log(
      `| | ${power} | ${target} | ${pct(sum.acc)} | ${pct(sum.top1)} | ${pct(sum.rec)} | ${pct(sum.prec)} |`,
    );
  }
