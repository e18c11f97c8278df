/**
 * EDA on the full CLINC150 training set, judged on `val` only: the classifier is trained on
 * `train` + `oos_train` plus n EDA variants of each in-scope utterance (packages/assistant's
 * augmentExamples), then scored on `val`: closed-set top-1 and, with temperature and thresholds
 * fitted on `val` itself, in-scope accuracy at the smallest threshold reaching each OOS recall
 * (acc@70 …, the curve of pseudo-oos.ts).
 *   npx tsx bench/intents/eda-full.ts [variants=0,1,2] [seeds=1]
 */
import { augmentExamples } from "../../packages/assistant/src/augment/index.ts";
import { softmax, topInScope } from "../../packages/assistant/src/intents/calibration.ts";
import { calibrateOnScores, trainIntentClassifier } from "../../packages/assistant/src/intents/classifier.ts";
import { loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";

const variants = (process.argv[2] ?? "0,1,2").split(",").map(Number);
const seeds = (process.argv[3] ?? "1").split(",").map(Number);
const OOS = "oos";
const ds = loadIntentDataset("clinc150");
const val = ds.heldOut ?? [];
const inScope = ds.train.filter((e) => e.intent !== OOS);
const oosTrain = ds.train.filter((e) => e.intent === OOS);

console.log(
  "| EDA variants | seed | train size | closed top-1 | acc@70 | acc@75 | acc@80 | acc@85 | train s |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const n of variants)
  for (const seed of seeds) {
    // The product's option (in-scope utterances only); the data size is printed for scale.
    const data = [...(n > 0 ? augmentExamples(inScope, { variants: n, seed }) : inScope), ...oosTrain];
    const t0 = Date.now();
    const clf = trainIntentClassifier(ds.train, { seed, heldOut: [], edaVariants: n });
    const secs = (Date.now() - t0) / 1000;
    const oosIndex = clf.labels.indexOf(OOS);
    const gold = Int32Array.from(val.map((e) => clf.labels.indexOf(e.intent)));
    const scores = val.map((e) => clf.scores(e.text));
    const { temperature } = calibrateOnScores(scores, gold, clf.labels, OOS);
    const preds = scores.map((s) => {
      const { top, confidence, oosWins } = topInScope(softmax(s, temperature), oosIndex);
      return { top, conf: confidence, byClass: oosWins };
    });
    const inIdx = val.map((_, i) => i).filter((i) => gold[i] !== oosIndex);
    const oosIdx = val.map((_, i) => i).filter((i) => gold[i] === oosIndex);
    const top1 = inIdx.filter((i) => preds[i].top === gold[i]).length / inIdx.length;
    const accAt = (r: number): string => {
      const need = Math.ceil(r * oosIdx.length) - oosIdx.filter((i) => preds[i].byClass).length;
      const pending = oosIdx
        .filter((i) => !preds[i].byClass)
        .map((i) => preds[i].conf)
        .sort((a, b) => a - b);
      const thr = need <= 0 ? 0 : (pending[Math.min(need, pending.length) - 1] ?? 0) + 1e-9;
      const right = inIdx.filter(
        (i) => !preds[i].byClass && preds[i].conf >= thr && preds[i].top === gold[i],
      );
      return (100 * (right.length / inIdx.length)).toFixed(2);
    };
    console.log(
      `| ${n} | ${seed} | ${data.length} | ${(100 * top1).toFixed(2)} | ${accAt(0.7)} | ${accAt(0.75)} | ${accAt(0.8)} | ${accAt(0.85)} | ${secs.toFixed(1)} |`,
    );
  }
