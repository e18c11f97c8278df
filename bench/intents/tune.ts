/**
 * Hyperparameter selection on validation data only (never the test split):
 * CLINC150 uses its published `val`; BANKING77 and SMP2017 hold out a stratified 10 % of train.
 *   npx tsx bench/intents/tune.ts clinc150 "softmax,hinge" "1e-5,2e-5" "10,20"
 */

import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import {
  DEFAULT_FEATURES,
  extractFeatures,
  type FeatureOptions,
} from "../../packages/assistant/src/intents/features.ts";
import { LinearModel } from "../../packages/assistant/src/intents/linear.ts";
import { TfidfVectorizer } from "../../packages/assistant/src/intents/vectorizer.ts";
import { trainAndValidation } from "./validation.ts";

const name = (process.argv[2] ?? "banking77") as IntentDatasetName;
const losses = (process.argv[3] ?? "hinge").split(",") as ("softmax" | "hinge")[];
const lambdas = (process.argv[4] ?? "2e-5").split(",").map(Number);
const epochsList = (process.argv[5] ?? "10").split(",").map(Number);
const minDf = Number(process.argv[6] ?? 1);
const featureOpts: FeatureOptions = { ...DEFAULT_FEATURES, ...JSON.parse(process.argv[7] ?? "{}") };

const ds = loadIntentDataset(name);
const { train, val } = trainAndValidation(ds);
const labels = [...new Set(train.map((e) => e.intent))].sort();
const index = new Map(labels.map((l, i) => [l, i]));
const feats = train.map((e) => extractFeatures(e.text, featureOpts));
const vec = TfidfVectorizer.fit(feats, minDf);
const X = feats.map((f) => vec.transformFeatures(f));
const y = Int32Array.from(train.map((e) => index.get(e.intent) ?? 0));
const Xv = val.map((e) => vec.transformFeatures(extractFeatures(e.text, featureOpts)));
console.log(
  `${name}: ${train.length} train, ${val.length} val, ${vec.size} features, minDf ${minDf}, ${JSON.stringify(featureOpts)}`,
);
for (const loss of losses)
  for (const lambda of lambdas)
    for (const epochs of epochsList) {
      const t = Date.now();
      const m = LinearModel.train(X, y, labels.length, vec.size, { epochs, lambda, loss, seed: 1 });
      const ms = Date.now() - t;
      let right = 0;
      let n = 0;
      val.forEach((e, i) => {
        if (e.intent === "oos") return;
        const s = m.scores(Xv[i]);
        let best = 0;
        for (let c = 1; c < s.length; c++) if (s[c] > s[best]) best = c;
        n++;
        if (labels[best] === e.intent) right++;
      });
      console.log(
        `${loss}\tλ=${lambda}\tepochs=${epochs}\ttrain ${ms} ms\tval in-scope argmax acc ${((100 * right) / n).toFixed(2)}`,
      );
    }
