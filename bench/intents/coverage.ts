/**
 * Does damping class scores by vocabulary coverage (`coveragePower`) improve out-of-scope
 * rejection without costing in-scope accuracy? Trains each public set with and without it
 * (everything else at the defaults, each set's protocol as `seekdesk eval intents --dataset`) and
 * scores the test split once. For CLINC150 it also trains without the explicit `oos` class, so
 * rejection comes from the threshold alone (chosen on `val`, which has out-of-scope utterances).
 *   npx tsx bench/intents/coverage.ts [clinc150,banking77,smp2017]
 */
import { cpus } from "node:os";
import {
  type IntentExample,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { evaluateIntents, type IntentEvaluation } from "../../packages/assistant/src/intents/evaluate.ts";

const sets = (process.argv[2] ?? "clinc150,banking77,smp2017").split(",") as IntentDatasetName[];
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}`;

interface Run extends IntentEvaluation {
  train_ms: number;
}

function run(
  train: IntentExample[],
  heldOut: IntentExample[] | undefined,
  test: IntentExample[],
  power: number,
): Run {
  const start = process.hrtime.bigint();
  const clf = trainIntentClassifier(train, { heldOut, coveragePower: power });
  const trainMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { ...evaluateIntents(clf, test), train_ms: trainMs };
}

const pct = (v: number | null): string => (v === null ? "n/a" : `${(100 * v).toFixed(1)} %`);
const rows: string[] = [];
const row = (measure: string, ours: string, peer: string, ratio: string): void => {
  rows.push(`| ${measure} | ${ours} | ${peer} | ${ratio} | ${machine} |`);
};
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? "n/a" : (a / b).toFixed(3);

for (const name of sets) {
  const ds = loadIntentDataset(name);
  const on = run(ds.train, ds.heldOut, ds.test, 1);
  const off = run(ds.train, ds.heldOut, ds.test, 0);
  console.error(JSON.stringify({ name, on, off }));
  const measures: [string, keyof Run][] = [
    ["in-scope accuracy", "accuracy"],
    ["closed-set top-1", "top1_accuracy"],
    ["OOS recall", "oos_recall"],
    ["OOS precision", "oos_precision"],
    ["macro-F1", "macro_f1"],
  ];
  for (const [label, key] of measures) {
    const a = on[key] as number | null;
    const b = off[key] as number | null;
    if (on.oos === 0 && key.startsWith("oos")) continue;
    row(`${name} ${label} (coverage damping on vs off)`, pct(a), pct(b), ratio(a, b));
  }
  row(
    `${name} train time`,
    `${(on.train_ms / 1000).toFixed(1)} s`,
    `${(off.train_ms / 1000).toFixed(1)} s`,
    ratio(on.train_ms, off.train_ms),
  );
  row(
    `${name} latency p50 / p99`,
    `${on.p50_us.toFixed(0)} / ${on.p99_us.toFixed(0)} µs`,
    `${off.p50_us.toFixed(0)} / ${off.p99_us.toFixed(0)} µs`,
    ratio(on.p99_us, off.p99_us),
  );
  if (name === "clinc150") {
    const noClass = run(
      ds.train.filter((e) => e.intent !== "oos"),
      ds.heldOut,
      ds.test,
      1,
    );
    console.error(JSON.stringify({ name, noClass }));
    row(
      "clinc150 in-scope accuracy (oos class + threshold vs threshold alone)",
      pct(on.accuracy),
      pct(noClass.accuracy),
      ratio(on.accuracy, noClass.accuracy),
    );
    row(
      "clinc150 OOS recall (oos class + threshold vs threshold alone)",
      pct(on.oos_recall),
      pct(noClass.oos_recall),
      ratio(on.oos_recall, noClass.oos_recall),
    );
    row(
      "clinc150 OOS precision (oos class + threshold vs threshold alone)",
      pct(on.oos_precision),
      pct(noClass.oos_precision),
      ratio(on.oos_precision, noClass.oos_precision),
    );
  }
}
console.log("| measure | ours | peer | ratio | machine |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
