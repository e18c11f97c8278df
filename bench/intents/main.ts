/**
 * How does the embedded intent classifier (no pretrained weights) compare with published
 * results on the public sets?  npx tsx bench/intents/main.ts [clinc150,banking77,smp2017]
 * Peers are the published numbers quoted in ../shared/datasets/<set>/SOURCE.md.
 */
import { cpus } from "node:os";
import { trainIntentClassifier } from "../../packages/assistant/src/intents/classifier.ts";
import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { evaluateIntents } from "../../packages/assistant/src/intents/evaluate.ts";

const sets = (process.argv[2] ?? "clinc150,banking77,smp2017").split(",") as IntentDatasetName[];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`;
const rows: [string, string, string, string][] = [];
const pct = (v: number | null): string => (v === null ? "n/a" : `${(100 * v).toFixed(1)} %`);
const ratio = (ours: number | null, peer: number | null): string =>
  ours === null || peer === null ? "n/a" : (ours / peer).toFixed(3);

for (const name of sets) {
  const ds = loadIntentDataset(name);
  const start = process.hrtime.bigint();
  const clf = trainIntentClassifier(ds.train, { heldOut: ds.heldOut });
  const trainMs = Number(process.hrtime.bigint() - start) / 1e6;
  const r = evaluateIntents(clf, ds.test);
  if (name === "clinc150") {
    rows.push([
      "CLINC150 in-scope accuracy (OOS by threshold)",
      pct(r.accuracy),
      "BERT 96.0 %",
      ratio(r.accuracy, 0.96),
    ]);
    rows.push(["CLINC150 OOS recall", pct(r.oos_recall), "BERT 40.0 %", ratio(r.oos_recall, 0.4)]);
    rows.push(["CLINC150 in-scope accuracy", pct(r.accuracy), "SVM ≈ 90 %", ratio(r.accuracy, 0.9)]);
  } else if (name === "banking77") {
    rows.push([
      "BANKING77 top-1 accuracy",
      pct(r.top1_accuracy),
      "USE+ConveRT 93.4 %",
      ratio(r.top1_accuracy, 0.934),
    ]);
    rows.push([
      "BANKING77 top-1 accuracy",
      pct(r.top1_accuracy),
      "TF-IDF linear ≈ 87.5 %",
      ratio(r.top1_accuracy, 0.875),
    ]);
  } else {
    rows.push([
      "SMP2017-ECDT dev top-1 accuracy",
      pct(r.top1_accuracy),
      "n/a (official test not public)",
      "n/a",
    ]);
  }
  rows.push([`${name} train time`, `${(trainMs / 1000).toFixed(1)} s`, "n/a", "n/a"]);
  rows.push([
    `${name} latency p50 / p99`,
    `${r.p50_us.toFixed(0)} / ${r.p99_us.toFixed(0)} µs`,
    "n/a",
    "n/a",
  ]);
}
console.log("| measure | ours | peer (published) | ratio | machine |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} | ${machine} |`);
