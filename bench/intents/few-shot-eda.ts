/**
 * Does EDA augmentation help when each intent has only a few examples?
 *   npx tsx bench/intents/few-shot-eda.ts [datasets=smp2017,banking77] [shots=5,10] [seeds=3] [variants=8]
 * For each seed, k examples per intent are drawn from the training split; the classifier is
 * trained on them with and without EDA variants and scored (top-1, closed set) on the full test
 * split. Prints one table: the measure, ours (with EDA), the peer (without), their ratio.
 */
import { cpus } from "node:os";
import { augmentExamples } from "../../packages/assistant/src/augment/index.ts";
import {
  type IntentExample,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { seededRandom, shuffleInPlace } from "../../packages/assistant/src/text/random.ts";

const datasets = (process.argv[2] ?? "smp2017,banking77").split(",") as IntentDatasetName[];
const shots = (process.argv[3] ?? "5,10").split(",").map(Number);
const seeds = Number(process.argv[4] ?? 3);
const variants = Number(process.argv[5] ?? 8);

function sample(train: IntentExample[], k: number, seed: number): IntentExample[] {
  const byIntent = new Map<string, IntentExample[]>();
  for (const e of train) byIntent.set(e.intent, [...(byIntent.get(e.intent) ?? []), e]);
  const rand = seededRandom(seed);
  return [...byIntent.keys()]
    .sort()
    .flatMap((i) => shuffleInPlace([...(byIntent.get(i) ?? [])], rand).slice(0, k));
}

function top1(train: IntentExample[], test: IntentExample[], seed: number): number {
  // No held-out split: with five examples an intent cannot spare one, and top-1 needs no threshold.
  const clf = trainIntentClassifier(train, { seed, heldOut: [] });
  return test.filter((e) => clf.classify(e.text).ranked[0]?.intent === e.intent).length / test.length;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const fmt = (xs: number[]): string => `${(100 * mean(xs)).toFixed(1)} ± ${(100 * sd(xs)).toFixed(1)} %`;

const rows: string[][] = [];
for (const name of datasets) {
  const ds = loadIntentDataset(name);
  for (const k of shots) {
    const plain: number[] = [];
    const eda: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const few = sample(ds.train, k, seed);
      plain.push(top1(few, ds.test, seed));
      eda.push(top1(augmentExamples(few, { variants, seed }), ds.test, seed));
    }
    rows.push([
      `${name} top-1, ${k} per intent, ${seeds} seeds`,
      fmt(eda),
      fmt(plain),
      (mean(eda) / mean(plain)).toFixed(3),
    ]);
  }
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`;
console.log(`| measure | ours (EDA ×${variants}) | peer (no augmentation) | ratio | machine |`);
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} | ${machine} |`);
