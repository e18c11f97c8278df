/**
 * Question: does an uncalibrated score reject out-of-scope utterances better than the shipped rule
 * (calibrated softmax confidence of the top in-scope intent, coverage-damped)? Scores tried, over
 * the in-scope classes (the explicit `oos` class keeps rejecting when it wins, in every rule): the
 * top intent's raw SVM score (max logit), and the energy score T·logsumexp(s / T) (Liu et al.,
 * NeurIPS 2020; `energy-all` is the paper's form over all classes, `oos` included), each on raw and
 * on coverage-damped class scores. The classifier is trained on CLINC150 `train` (seed = training
 * seed); the choice is made on `val` only:
 *   - protocol: `val` cut in two stratified halves (as tune-oos.ts), threshold (and, for the
 *     shipped rule and energy at T = fitted, the temperature) fitted on one for the target recall,
 *     scored on the other, both ways;
 *   - curve: in-scope accuracy at the smallest threshold reaching 70 / 75 / 80 % OOS recall on all
 *     of `val` (acc@70 …, as eda-full.ts).
 *   npx tsx bench/intents/energy-oos.ts val [seeds=1,2,3] [energy T=0.03,0.1,0.3,1]
 *   npx tsx bench/intents/energy-oos.ts test <rule>   # once, after the choice on val: that rule
 *       beside the shipped one, seed 1, calibrated on all of `val` (target 0.75), scored on test
 * The test mode was not run on 2026-11-29: no rule beat the shipped one on `val` (docs/EVAL.md).
 * Raw scores are cached per split and seed under the OS temp dir (seekdesk-energy-oos/); delete it
 * after changing the classifier.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fitTemperature, softmax, topInScope } from "../../packages/assistant/src/intents/calibration.ts";
import {
  type IntentExample,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";
import type { TfidfVectorizer } from "../../packages/assistant/src/intents/vectorizer.ts";
import { trainAndValidation } from "./validation.ts";

const mode = process.argv[2] ?? "val";
const OOS = "oos";
const TARGET = 0.75;
const ds = loadIntentDataset("clinc150");
const { train, val } = trainAndValidation(ds);
const labels = [...new Set(train.map((e) => e.intent))].sort();
const oosIndex = labels.indexOf(OOS);

/** Undamped class scores and the vocabulary coverage the product damps them by. */
interface Scored {
  raw: Float64Array[];
  coverage: number[];
  gold: number[];
}

function scoreSplit(seed: number, split: "val" | "test", data: IntentExample[]): Scored {
  const dir = join(tmpdir(), "seekdesk-energy-oos");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${split}-s${seed}.f32`);
  const C = labels.length;
  const gold = data.map((e) => labels.indexOf(e.intent));
  let flat: Float32Array;
  try {
    const buf = readFileSync(file);
    flat = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  } catch {
    // coveragePower 0: the model's own scores; damping is applied below from the coverage.
    const clf = trainIntentClassifier(train, { seed, heldOut: [], coveragePower: 0 });
    if (clf.labels.join("\n") !== labels.join("\n")) throw new Error("unexpected label order");
    const vectorizer = (clf as unknown as { vectorizer: TfidfVectorizer }).vectorizer;
    flat = new Float32Array(data.length * (C + 1));
    data.forEach((e, i) => {
      flat.set(clf.scores(e.text), i * (C + 1));
      flat[i * (C + 1) + C] = vectorizer.transform(e.text).coverage;
    });
    writeFileSync(file, Buffer.from(flat.buffer));
  }
  const raw: Float64Array[] = [];
  const coverage: number[] = [];
  for (let i = 0; i < data.length; i++) {
    raw.push(Float64Array.from(flat.subarray(i * (C + 1), i * (C + 1) + C)));
    coverage.push(flat[i * (C + 1) + C]);
  }
  return { raw, coverage, gold };
}

/** One row's decision: the top in-scope intent, its in-scope score, and whether `oos` wins. */
interface Decision {
  top: number;
  score: number;
  oosWins: boolean;
}

/** A rejection score, fitted on calibration rows (the temperature, where it has one). */
type Decide = (s: Scored, i: number) => Decision;
type Rule = (s: Scored, idx: number[]) => Decide;

const damped = (s: Scored, i: number): Float64Array => {
  const d = Float64Array.from(s.raw[i]);
  for (let c = 0; c < d.length; c++) d[c] *= s.coverage[i];
  return d;
};
const fitT = (s: Scored, idx: number[], damp: boolean): number =>
  fitTemperature(
    idx.map((i) => (damp ? damped(s, i) : s.raw[i])),
    Int32Array.from(idx.map((i) => s.gold[i])),
  );
/** T·logsumexp(s / T) over the in-scope classes, or over all of them (Liu et al.'s form). */
function energy(scores: Float64Array, T: number, withOos = false): number {
  const skip = withOos ? -1 : oosIndex;
  let max = -Infinity;
  for (let c = 0; c < scores.length; c++) if (c !== skip && scores[c] > max) max = scores[c];
  let sum = 0;
  for (let c = 0; c < scores.length; c++) if (c !== skip) sum += Math.exp((scores[c] - max) / T);
  return max + T * Math.log(sum);
}
function withScore(scores: Float64Array, score: (s: Float64Array) => number): Decision {
  const { top, oosWins } = topInScope(scores, oosIndex);
  return { top, oosWins, score: score(scores) };
}

const fittedT = { raw: [] as number[], damped: [] as number[] };
const energyTs = (process.argv[4] ?? "0.03,0.1,0.3,1").split(",").map(Number);
const rules: Record<string, Rule> = {
  shipped: (s, idx) => {
    const T = fitT(s, idx, true);
    return (t, i) => {
      const { top, confidence, oosWins } = topInScope(softmax(damped(t, i), T), oosIndex);
      return { top, score: confidence, oosWins };
    };
  },
  "max-logit": () => (t, i) => withScore(t.raw[i], (x) => x[topInScope(x, oosIndex).top]),
  "max-logit-damped": () => (t, i) => withScore(damped(t, i), (x) => x[topInScope(x, oosIndex).top]),
};
for (const damp of [false, true]) {
  const suffix = damp ? "-damped" : "";
  const view = (s: Scored, i: number) => (damp ? damped(s, i) : s.raw[i]);
  for (const T of energyTs)
    rules[`energy-T${T}${suffix}`] = () => (t, i) => withScore(view(t, i), (x) => energy(x, T));
  for (const withOos of [false, true])
    rules[`energy${withOos ? "-all" : ""}-Tfit${suffix}`] = (s, idx) => {
      const T = fitT(s, idx, damp);
      fittedT[damp ? "damped" : "raw"].push(T);
      return (t, i) => withScore(view(t, i), (x) => energy(x, T, withOos));
    };
}

/** The smallest threshold rejecting `target` of the OOS rows (as calibrateOnScores does). */
function thresholdFor(d: Decide, s: Scored, idx: number[], target: number): number {
  const oos = idx.filter((i) => s.gold[i] === oosIndex).map((i) => d(s, i));
  const need = Math.ceil(target * oos.length) - oos.filter((o) => o.oosWins).length;
  const pending = oos
    .filter((o) => !o.oosWins)
    .map((o) => o.score)
    .sort((a, b) => a - b);
  return need <= 0 ? -Infinity : (pending[Math.min(need, pending.length) - 1] ?? 0) + 1e-9;
}
function measure(d: Decide, s: Scored, idx: number[], thr: number) {
  let inN = 0;
  let right = 0;
  let oosN = 0;
  let caught = 0;
  let rejected = 0;
  for (const i of idx) {
    const x = d(s, i);
    const rej = x.oosWins || x.score < thr;
    if (rej) rejected++;
    if (s.gold[i] === oosIndex) {
      oosN++;
      if (rej) caught++;
    } else {
      inN++;
      if (!rej && x.top === s.gold[i]) right++;
    }
  }
  return { acc: right / inN, rec: caught / Math.max(1, oosN), prec: caught / Math.max(1, rejected) };
}
const pct = (v: number): string => (100 * v).toFixed(2);

if (mode === "val") {
  const seeds = (process.argv[3] ?? "1,2,3").split(",").map(Number);
  const all = val.map((_, i) => i);
  const halves = stratifiedSplit(all, (i) => val[i].intent, 0.5, 5);
  const folds = [
    [halves.train, halves.heldOut],
    [halves.heldOut, halves.train],
  ];
  // rule -> seed -> [protocol acc, rec, prec, acc@70, acc@75, acc@80]
  const results = new Map<string, number[][]>();
  for (const seed of seeds) {
    const t0 = Date.now();
    const s = scoreSplit(seed, "val", val);
    console.error(`seed ${seed}: scored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const [name, rule] of Object.entries(rules)) {
      const row = [0, 0, 0];
      for (const [cal, ev] of folds) {
        const d = rule(s, cal);
        const m = measure(d, s, ev, thresholdFor(d, s, cal, TARGET));
        row[0] += m.acc / 2;
        row[1] += m.rec / 2;
        row[2] += m.prec / 2;
      }
      const d = rule(s, all);
      for (const r of [0.7, 0.75, 0.8]) row.push(measure(d, s, all, thresholdFor(d, s, all, r)).acc);
      const list = results.get(name) ?? [];
      list.push(row);
      results.set(name, list);
    }
  }
  const base = results.get("shipped") ?? [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `| rule (seeds ${seeds.join(", ")}) | protocol ${TARGET}: in-scope / OOS recall / precision (mean) | acc@70 | acc@75 | acc@80 | Δ vs shipped: protocol / acc@70 / acc@75 / acc@80 (min…max over seeds) |`,
  );
  console.log("|---|---|---|---|---|---|");
  for (const [name, rows] of results) {
    const col = (k: number) => mean(rows.map((r) => r[k]));
    const delta = (k: number) => {
      const ds = rows.map((r, j) => 100 * (r[k] - base[j][k]));
      return `${mean(ds).toFixed(2)} (${Math.min(...ds).toFixed(2)}…${Math.max(...ds).toFixed(2)})`;
    };
    console.log(
      `| ${name} | ${pct(col(0))} / ${pct(col(1))} / ${pct(col(2))} | ${pct(col(3))} | ${pct(col(4))} | ${pct(col(5))} | ${[0, 3, 4, 5].map(delta).join(" / ")} |`,
    );
  }
  const span = (xs: number[]) => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
  console.log(`fitted temperatures: raw scores ${span(fittedT.raw)}, damped ${span(fittedT.damped)}`);
} else if (mode === "test") {
  const chosen = process.argv[3] ?? "";
  if (!rules[chosen]) throw new Error(`test: name a rule (${Object.keys(rules).join(", ")})`);
  const seed = 1;
  const sv = scoreSplit(seed, "val", val);
  const st = scoreSplit(seed, "test", ds.test);
  const allVal = val.map((_, i) => i);
  const allTest = ds.test.map((_, i) => i);
  console.log(
    "| CLINC150 test, calibrated on all of val, target 0.75 | in-scope | OOS recall | OOS precision |",
  );
  console.log("|---|---|---|---|");
  for (const name of ["shipped", chosen]) {
    const d = rules[name](sv, allVal);
    const m = measure(d, st, allTest, thresholdFor(d, sv, allVal, TARGET));
    console.log(`| ${name} | ${pct(m.acc)} % | ${pct(m.rec)} % | ${pct(m.prec)} % |`);
  }
} else throw new Error(`mode: val or test, got ${mode}`);
