/**
 * Cross-fitted calibration on CLINC150 (the `crossFit` training option): the classifier is
 * trained on all labelled data it is given, and its temperature and OOS threshold are fitted on
 * out-of-fold scores (K stratified folds, each scored by a model trained on the others).
 *
 *   npx tsx bench/intents/cross-fit.ts nested [K=5] [seeds=1] [targets=0.7,0.75,0.8,0.85]
 *     Settings are chosen here, on non-test data only: `train` (+ oos_train) plays the labelled
 *     pool, `val` (+ oos_val) the unseen test. Prints, on `val`: the protocol's calibration (on
 *     `val` halves, as tune-oos.ts; same final model), cross-fitted calibration (fitted on the
 *     out-of-fold scores of `train` alone), the same with per-class biases fitted on those
 *     scores, and acc@recall curves (threshold fitted on `val` itself: the model, not the method).
 *   npx tsx bench/intents/cross-fit.ts test [K=5] [seed=1] [targets=0.75]
 *     The deviation from CLINC's protocol: the pool is train + val (oos_train + oos_val too),
 *     calibration is cross-fitted on it, and test is scored. Run once, after the choice.
 *
 * Decision recorded 2026-11-29 before `test` mode was run (nested mode, seeds 1-3, on `val`):
 * K 5 (not tuned: each K costs K + 1 trainings), target 0.75 (the product default, not tuned),
 * no per-class or oos biases (within ±0.1 point of none on `val`). Amended, still before any
 * test run: plus EDA=1 (eda-full.ts, seeds 1-3 on `val`: closed top-1 +0.30, acc@70 +0.18,
 * acc@80 +0.30 points on average, same sign on every seed; 2 variants no better on seed 1;
 * nested EDA=1 seed 1: cross-fitted 0.75 gives 93.03 % at 80 % recall on `val`). The primary
 * test number is `EDA=1 … test 5 1 0.7,0.75,0.8` at 0.75; 0.70 and 0.80, and the run without
 * EDA, describe the trade-off and the parts, not a choice. `test` mode is run once for each.
 *
 * Environment: EDA=n adds n EDA variants of each in-scope training utterance to every model's
 * training data (never to the utterances it is calibrated or scored on).
 * Out-of-fold and evaluation scores are cached in $TMPDIR/seekdesk-crossfit, so analyses re-run
 * without training.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { softmax, topInScope } from "../../packages/assistant/src/intents/calibration.ts";
import {
  calibrateOnScores,
  type IntentExample,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { stratifiedFolds, stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";

const mode = process.argv[2] === "test" ? "test" : "nested";
const K = Number(process.argv[3] ?? 5);
const seeds = (process.argv[4] ?? "1").split(",").map(Number);
const targets = (process.argv[5] ?? (mode === "test" ? "0.75" : "0.7,0.75,0.8,0.85")).split(",").map(Number);
const EDA = Number(process.env.EDA ?? 0);
const OOS = "oos";

const ds = loadIntentDataset("clinc150");
const val = ds.heldOut ?? [];
const pool = mode === "test" ? [...ds.train, ...val] : ds.train;
const evalSet = mode === "test" ? ds.test : val;
const labels = [...new Set(pool.map((e) => e.intent))].sort();
const index = new Map(labels.map((l, i) => [l, i]));
const oosIndex = index.get(OOS) ?? -1;
const goldOf = (items: IntentExample[]): Int32Array =>
  Int32Array.from(items.map((e) => index.get(e.intent) ?? 0));

interface Scored {
  oof: Float64Array[];
  oofGold: Int32Array;
  evalScores: Float64Array[];
}

function trainScorer(train: IntentExample[], seed: number): (text: string) => Float64Array {
  // heldOut [] : no calibration, raw damped scores are all we read.
  const clf = trainIntentClassifier(train, { seed, heldOut: [], edaVariants: EDA });
  if (clf.labels.join("\n") !== labels.join("\n")) throw new Error("label sets differ between folds");
  return (text) => clf.scores(text);
}

function save(path: string, rows: Float64Array[]): void {
  const C = labels.length;
  const flat = new Float32Array(rows.length * C);
  rows.forEach((r, i) => {
    flat.set(r, i * C);
  });
  writeFileSync(path, Buffer.from(flat.buffer));
}

function load(path: string): Float64Array[] {
  const buf = readFileSync(path);
  const flat = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const C = labels.length;
  const rows: Float64Array[] = [];
  for (let i = 0; i < flat.length / C; i++) rows.push(Float64Array.from(flat.subarray(i * C, (i + 1) * C)));
  return rows;
}

function scored(seed: number): Scored {
  const dir = join(tmpdir(), "seekdesk-crossfit");
  mkdirSync(dir, { recursive: true });
  const key = `${mode}-k${K}-s${seed}${EDA ? `-eda${EDA}` : ""}`;
  const folds = stratifiedFolds(pool, (e) => e.intent, K, seed);
  const order: number[] = [];
  for (let f = 0; f < K; f++) for (let i = 0; i < folds.length; i++) if (folds[i] === f) order.push(i);
  const oofPath = join(dir, `${key}-oof.f32`);
  const evalPath = join(dir, `${key}-eval.f32`);
  let oof: Float64Array[];
  let evalScores: Float64Array[];
  if (existsSync(oofPath) && existsSync(evalPath)) {
    oof = load(oofPath);
    evalScores = load(evalPath);
  } else {
    oof = [];
    for (let f = 0; f < K; f++) {
      const t0 = Date.now();
      const score = trainScorer(
        pool.filter((_, i) => folds[i] !== f),
        seed,
      );
      for (const i of order) if (folds[i] === f) oof.push(score(pool[i].text));
      process.stderr.write(`seed ${seed} fold ${f}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const t0 = Date.now();
    const score = trainScorer(pool, seed);
    evalScores = evalSet.map((e) => score(e.text));
    process.stderr.write(`seed ${seed} final: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    save(oofPath, oof);
    save(evalPath, evalScores);
  }
  return { oof, oofGold: goldOf(order.map((i) => pool[i])), evalScores };
}

interface Metrics {
  acc: number;
  top1: number;
  rec: number;
  prec: number;
}

/** The classifier's decision (IntentClassifier.predictFromScores) with per-class biases added. */
function decide(s: Float64Array, T: number, bias: Float64Array | null, thr: number) {
  const z = bias ? s.map((v, c) => v / T + bias[c]) : s;
  const { top, confidence: conf, oosWins } = topInScope(softmax(z, bias ? 1 : T), oosIndex);
  return { top, conf, oos: oosWins || conf < thr };
}

function metrics(
  scores: Float64Array[],
  gold: Int32Array,
  T: number,
  bias: Float64Array | null,
  thr: number,
): Metrics {
  let inScope = 0;
  let right = 0;
  let top1 = 0;
  let oos = 0;
  let caught = 0;
  let rejected = 0;
  scores.forEach((s, i) => {
    const d = decide(s, T, bias, thr);
    if (d.oos) rejected++;
    if (gold[i] === oosIndex) {
      oos++;
      if (d.oos) caught++;
    } else {
      inScope++;
      if (!d.oos && d.top === gold[i]) right++;
      if (d.top === gold[i]) top1++;
    }
  });
  return {
    acc: right / inScope,
    top1: top1 / inScope,
    rec: caught / oos,
    prec: rejected ? caught / rejected : 0,
  };
}

/** Smallest threshold reaching the target recall on these scores (as calibrateOnScores). */
function thresholdFor(
  scores: Float64Array[],
  gold: Int32Array,
  T: number,
  bias: Float64Array | null,
  target: number,
): number {
  const oos = scores.filter((_, i) => gold[i] === oosIndex).map((s) => decide(s, T, bias, 0));
  const need = Math.ceil(target * oos.length) - oos.filter((d) => d.oos).length;
  const pending = oos
    .filter((d) => !d.oos)
    .map((d) => d.conf)
    .sort((a, b) => a - b);
  return need <= 0 ? 0 : (pending[Math.min(need, pending.length) - 1] ?? 0) + 1e-9;
}

/**
 * Per-class additive biases on the tempered logits, fitted on out-of-fold scores by minimising
 * their NLL (L2 0.01 · |b|², 200 full-batch gradient steps with Adam): a class-prior correction.
 */
function fitBias(scores: Float64Array[], gold: Int32Array, T: number, onlyOos: boolean): Float64Array {
  const C = labels.length;
  const b = new Float64Array(C);
  const m = new Float64Array(C);
  const v = new Float64Array(C);
  const z = new Float64Array(C);
  const lr = 0.05;
  const l2 = 0.01;
  for (let step = 1; step <= 200; step++) {
    const g = new Float64Array(C);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        z[c] = s[c] / T + b[c];
        if (z[c] > max) max = z[c];
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (let c = 0; c < C; c++) g[c] += z[c] / sum;
      g[gold[i]] -= 1;
    }
    for (let c = 0; c < C; c++) {
      if (onlyOos && c !== oosIndex) continue;
      const grad = g[c] / scores.length + l2 * b[c];
      m[c] = 0.9 * m[c] + 0.1 * grad;
      v[c] = 0.999 * v[c] + 0.001 * grad * grad;
      b[c] -= (lr * (m[c] / (1 - 0.9 ** step))) / (Math.sqrt(v[c] / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  return b;
}

const pct = (x: number): string => (100 * x).toFixed(2);
const row = (name: string, target: number | string, m: Metrics, extra = ""): void =>
  console.log(
    `| ${name} | ${target} | ${pct(m.acc)} | ${pct(m.top1)} | ${pct(m.rec)} | ${pct(m.prec)} |${extra}`,
  );

const evalGold = goldOf(evalSet);
console.log(
  `CLINC150 ${mode}: pool ${pool.length}, scored on ${evalSet.length}, K ${K}${EDA ? `, EDA ${EDA}` : ""}`,
);
for (const seed of seeds) {
  const { oof, oofGold, evalScores } = scored(seed);
  console.log(`\nseed ${seed}`);
  console.log("| calibration | target | in-scope | closed top-1 | OOS recall | OOS precision |");
  console.log("|---|---|---|---|---|---|");
  if (mode === "nested") {
    // The protocol: calibrate on one half of val, score the other, both ways (tune-oos.ts).
    const idx = evalSet.map((_, i) => i);
    const halves = stratifiedSplit(idx, (i) => evalSet[i].intent, 0.5, 5);
    for (const target of targets) {
      const sum: Metrics = { acc: 0, top1: 0, rec: 0, prec: 0 };
      for (const [a, b] of [
        [halves.train, halves.heldOut],
        [halves.heldOut, halves.train],
      ]) {
        const cal = calibrateOnScores(
          a.map((i) => evalScores[i]),
          Int32Array.from(a.map((i) => evalGold[i])),
          labels,
          OOS,
          { targetOosRecall: target },
        );
        const m = metrics(
          b.map((i) => evalScores[i]),
          Int32Array.from(b.map((i) => evalGold[i])),
          cal.temperature,
          null,
          cal.threshold,
        );
        for (const k of Object.keys(sum) as (keyof Metrics)[]) sum[k] += m[k] / 2;
      }
      row("protocol (val halves)", target, sum);
    }
  }
  for (const target of targets) {
    const cal = calibrateOnScores(oof, oofGold, labels, OOS, { targetOosRecall: target });
    row(
      "cross-fitted",
      target,
      metrics(evalScores, evalGold, cal.temperature, null, cal.threshold),
      ` T ${cal.temperature.toFixed(3)}, threshold ${cal.threshold.toFixed(3)}`,
    );
  }
  const T = calibrateOnScores(oof, oofGold, labels, OOS).temperature;
  for (const onlyOos of [true, false]) {
    const bias = fitBias(oof, oofGold, T, onlyOos);
    for (const target of targets) {
      const thr = thresholdFor(oof, oofGold, T, bias, target);
      row(
        onlyOos ? "cross-fitted + oos bias" : "cross-fitted + class biases",
        target,
        metrics(evalScores, evalGold, T, bias, thr),
        onlyOos ? ` oos bias ${bias[oosIndex].toFixed(3)}` : "",
      );
    }
  }
  // The model itself: thresholds set on the scored split (not a protocol, a curve).
  const curve = [0.7, 0.75, 0.8, 0.85]
    .map((r) => {
      const thr = thresholdFor(evalScores, evalGold, T, null, r);
      return `acc@${Math.round(100 * r)} ${pct(metrics(evalScores, evalGold, T, null, thr).acc)}`;
    })
    .join(", ");
  console.log(`curve on the scored split (T from out-of-fold): ${curve}`);
  const oofCurve = [0.7, 0.75, 0.8]
    .map((r) => {
      const thr = thresholdFor(oof, oofGold, T, null, r);
      return `acc@${Math.round(100 * r)} ${pct(metrics(oof, oofGold, T, null, thr).acc)}`;
    })
    .join(", ");
  console.log(`out-of-fold: top-1 ${pct(metrics(oof, oofGold, T, null, 0).top1)}, ${oofCurve}`);
}
