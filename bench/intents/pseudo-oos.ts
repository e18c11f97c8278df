/**
 * Synthetic out-of-scope training data and nearest-neighbour rejection, judged on validation data
 * only. The classifier (the shipped features, SVM and coverage damping) is trained on CLINC150
 * `train` + `oos_train` plus generated utterances, then scored on `val`:
 *   - closed-set top-1 on the in-scope `val` utterances;
 *   - curve: temperature fitted on all of `val`; for each OOS recall level the smallest threshold
 *     that reaches it on `val`, and the in-scope accuracy left (acc@recall);
 *   - protocol: `val` cut in two stratified halves, calibrate on one (target recall 0.75), score
 *     the other, both ways (as tune-oos.ts).
 *   npx tsx bench/intents/pseudo-oos.ts base words:1000 splice:300 words:1000+splice:300
 *   SEED=2 npx tsx bench/intents/pseudo-oos.ts base words:1000
 *   KNN=1 npx tsx bench/intents/pseudo-oos.ts base
 * A spec is kind:count joined by "+"; kinds: words (random training words drawn by frequency,
 * lengths of training utterances), uwords (drawn uniformly from the vocabulary), splice (first half
 * of one intent's utterance + second half of another's), delete (an utterance without its intent's
 * keywords), mix (feature-space convex combination of two intents' TF-IDF rows); "base" adds none.
 * Environment: SEED (training and generation), OOS_WEIGHT (loss weight of the oos class),
 * NOISE=ignore|oos (synthetic utterances get a class of their own, ignored at prediction or read
 * as out of scope; NOISE_WEIGHT its loss weight), KNN=1 (also reject on confidence × max cosine
 * to a training utterance, KNN_PREFIX=w:,b: to restrict the features; slow, an experiment).
 * DATASET picks another set (its val is 10 % of train).
 */
import { fitTemperature, softmax } from "../../packages/assistant/src/intents/calibration.ts";
import { type IntentDatasetName, loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { extractFeatures } from "../../packages/assistant/src/intents/features.ts";
import { LinearModel } from "../../packages/assistant/src/intents/linear.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";
import { type SparseVector, TfidfVectorizer } from "../../packages/assistant/src/intents/vectorizer.ts";
import { seededRandom } from "../../packages/assistant/src/text/random.ts";
import { trainAndValidation } from "./validation.ts";

const name = (process.env.DATASET ?? "clinc150") as IntentDatasetName;
const specs = process.argv.slice(2);
const OOS = "oos";
const ds = loadIntentDataset(name);
const { train, val } = trainAndValidation(ds);
const inScope = train.filter((e) => e.intent !== OOS);
const words = (t: string): string[] => t.split(/\s+/).filter(Boolean);

function splice(n: number, rand: () => number): string[] {
  const out: string[] = [];
  while (out.length < n) {
    const a = inScope[Math.floor(rand() * inScope.length)];
    const b = inScope[Math.floor(rand() * inScope.length)];
    if (a.intent === b.intent) continue;
    const wa = words(a.text);
    const wb = words(b.text);
    if (wa.length < 2 || wb.length < 2) continue;
    out.push([...wa.slice(0, Math.ceil(wa.length / 2)), ...wb.slice(Math.ceil(wb.length / 2))].join(" "));
  }
  return out;
}

function randomWords(n: number, rand: () => number, uniform = false): string[] {
  const all = inScope.flatMap((e) => words(e.text));
  const pool = uniform ? [...new Set(all)] : all;
  const out: string[] = [];
  while (out.length < n) {
    const len = words(inScope[Math.floor(rand() * inScope.length)].text).length;
    const ws: string[] = [];
    for (let i = 0; i < len; i++) ws.push(pool[Math.floor(rand() * pool.length)]);
    out.push(ws.join(" "));
  }
  return out;
}

/** Words whose occurrences fall mostly (≥ share) in one intent: the intent's keywords. */
function keywordSets(share: number): Map<string, Set<string>> {
  const byWord = new Map<string, Map<string, number>>();
  for (const e of inScope)
    for (const w of new Set(words(e.text.toLowerCase()))) {
      const m = byWord.get(w) ?? new Map<string, number>();
      m.set(e.intent, (m.get(e.intent) ?? 0) + 1);
      byWord.set(w, m);
    }
  const out = new Map<string, Set<string>>();
  for (const [w, m] of byWord) {
    let total = 0;
    for (const c of m.values()) total += c;
    if (total < 3) continue;
    for (const [intent, c] of m)
      if (c / total >= share) {
        const s = out.get(intent) ?? new Set<string>();
        s.add(w);
        out.set(intent, s);
      }
  }
  return out;
}

function deleteKeywords(n: number, rand: () => number): string[] {
  const kw = keywordSets(0.5);
  const out: string[] = [];
  let tries = 0;
  while (out.length < n && tries++ < 50 * n) {
    const e = inScope[Math.floor(rand() * inScope.length)];
    const ws = words(e.text);
    const set = kw.get(e.intent) ?? new Set<string>();
    const kept = ws.filter((w) => !set.has(w.toLowerCase()));
    if (kept.length === ws.length || kept.length < 2) continue;
    out.push(kept.join(" "));
  }
  return out;
}

const trainFeats = train.map((e) => extractFeatures(e.text));
const valFeats = val.map((e) => extractFeatures(e.text));
const labels = [...new Set(train.map((e) => e.intent))].sort();
const labelIndex = new Map(labels.map((l, i) => [l, i]));
const oosIndex = labelIndex.get(OOS) ?? -1;
/** NOISE=ignore|oos: synthetic utterances get a class of their own, ignored or read as out of scope. */
const noiseMode = process.env.NOISE ?? "";
const noiseIndex = noiseMode ? labels.length : -1;
const classes = labels.length + (noiseMode ? 1 : 0);
const valY = Int32Array.from(val.map((e) => labelIndex.get(e.intent) ?? -1));
const halves = stratifiedSplit(
  val.map((_, i) => i),
  (i) => val[i].intent,
  0.5,
  5,
);

interface Decision {
  top: number;
  conf: number;
  oosWins: boolean;
}

let mult: number[] | null = null;

function decide(scores: Float64Array[], T: number, idx: number[]): Decision[] {
  return idx.map((i) => {
    const p = softmax(scores[i], T);
    let top = -1;
    let overall = 0;
    for (let c = 0; c < p.length; c++) {
      if (c === noiseIndex && noiseMode === "ignore") continue;
      if (p[c] > p[overall]) overall = c;
      if (c !== oosIndex && c !== noiseIndex && (top < 0 || p[c] > p[top])) top = c;
    }
    const oosWins = overall === oosIndex || overall === noiseIndex;
    return { top, conf: p[top] * (mult ? mult[i] : 1), oosWins };
  });
}

function thresholdFor(ds: Decision[], gold: number[], target: number): number {
  const oos = ds.filter((_, k) => gold[k] === oosIndex);
  const need = Math.ceil(target * oos.length) - oos.filter((d) => d.oosWins).length;
  const pending = oos
    .filter((d) => !d.oosWins)
    .map((d) => d.conf)
    .sort((a, b) => a - b);
  return need <= 0 ? 0 : (pending[Math.min(need, pending.length) - 1] ?? 0) + 1e-9;
}

function score(ds: Decision[], gold: number[], t: number): { acc: number; rec: number } {
  let inN = 0;
  let inRight = 0;
  let oN = 0;
  let oRej = 0;
  ds.forEach((d, k) => {
    const rej = d.oosWins || d.conf < t;
    if (gold[k] === oosIndex) {
      oN++;
      if (rej) oRej++;
    } else {
      inN++;
      if (!rej && d.top === gold[k]) inRight++;
    }
  });
  return { acc: inRight / inN, rec: oRej / Math.max(1, oN) };
}

function report(label: string, scores: Float64Array[]): void {
  const all = val.map((_, i) => i);
  const gold = all.map((i) => valY[i]);
  const T = fitTemperature(scores, valY);
  const d = decide(scores, T, all);
  const top1 = d.filter((x, k) => gold[k] !== oosIndex && x.top === gold[k]).length;
  const nIn = gold.filter((g) => g !== oosIndex).length;
  const curve = [0.7, 0.75, 0.8, 0.85].map((r) => {
    const s = score(d, gold, thresholdFor(d, gold, r));
    return `${(100 * s.acc).toFixed(2)}@${(100 * s.rec).toFixed(0)}`;
  });
  const proto = { acc: 0, rec: 0 };
  for (const [cal, ev] of [
    [halves.train, halves.heldOut],
    [halves.heldOut, halves.train],
  ]) {
    const Tc = fitTemperature(
      cal.map((i) => scores[i]),
      Int32Array.from(cal.map((i) => valY[i])),
    );
    const dc = decide(scores, Tc, cal);
    const t = thresholdFor(
      dc,
      cal.map((i) => valY[i]),
      0.75,
    );
    const s = score(
      decide(scores, Tc, ev),
      ev.map((i) => valY[i]),
      t,
    );
    proto.acc += s.acc / 2;
    proto.rec += s.rec / 2;
  }
  console.log(
    `| ${label} | ${((100 * top1) / nIn).toFixed(2)} | ${curve.join(" | ")} | ${(100 * proto.acc).toFixed(2)}@${(100 * proto.rec).toFixed(0)} |`,
  );
}

console.log("| setting | closed top-1 | acc@rec 0.70 | 0.75 | 0.80 | 0.85 | protocol 0.75 |");
console.log("|---|---|---|---|---|---|---|");
for (const spec of specs) {
  const seed = Number(process.env.SEED ?? 1);
  const rand = seededRandom(6 + seed);
  const parts = spec.split("+").map((p) => p.split(":"));
  const extraTexts: string[] = [];
  let n = 0;
  let kind = "";
  for (const [k, countStr] of parts) {
    const count = Number(countStr ?? 0);
    if (k === "splice") extraTexts.push(...splice(count, rand));
    else if (k === "words") extraTexts.push(...randomWords(count, rand));
    else if (k === "uwords") extraTexts.push(...randomWords(count, rand, true));
    else if (k === "delete") extraTexts.push(...deleteKeywords(count, rand));
    else if (k === "mix") {
      kind = "mix";
      n = count;
    }
  }
  const weightStr = process.env.OOS_WEIGHT;
  const extraFeats = extraTexts.map((t) => extractFeatures(t));
  const started = performance.now();
  const vectorizer = TfidfVectorizer.fit([...trainFeats, ...extraFeats]);
  const rows: SparseVector[] = [...trainFeats, ...extraFeats].map((f) => vectorizer.transformFeatures(f));
  const y = [
    ...train.map((e) => labelIndex.get(e.intent) ?? 0),
    ...extraTexts.map(() => (noiseMode ? noiseIndex : oosIndex)),
  ];
  if (kind === "mix") {
    const inRows = train.map((e, i) => ({ e, i })).filter(({ e }) => e.intent !== OOS);
    while (y.length < train.length + n) {
      const a = inRows[Math.floor(rand() * inRows.length)];
      const b = inRows[Math.floor(rand() * inRows.length)];
      if (a.e.intent === b.e.intent) continue;
      const lam = 0.3 + 0.4 * rand();
      const m = new Map<number, number>();
      const ra = rows[a.i];
      const rb = rows[b.i];
      for (let k = 0; k < ra.idx.length; k++) m.set(ra.idx[k], lam * ra.val[k]);
      for (let k = 0; k < rb.idx.length; k++)
        m.set(rb.idx[k], (m.get(rb.idx[k]) ?? 0) + (1 - lam) * rb.val[k]);
      const idx = Int32Array.from([...m.keys()].sort((p, q) => p - q));
      const v = Float32Array.from(idx, (k) => m.get(k) ?? 0);
      const norm = Math.hypot(...v);
      for (let k = 0; k < v.length; k++) v[k] /= norm;
      rows.push({ idx, val: v });
      y.push(noiseMode ? noiseIndex : oosIndex);
    }
  }
  const weight = Number(weightStr ?? 1);
  const classWeights = [
    ...labels.map((l) => (l === OOS ? weight : 1)),
    Number(process.env.NOISE_WEIGHT ?? 1),
  ];
  const model = LinearModel.train(rows, Int32Array.from(y), classes, vectorizer.size, {
    epochs: 10,
    lambda: 2e-5,
    loss: "hinge",
    seed,
    classWeights,
  });
  const trainS = ((performance.now() - started) / 1000).toFixed(1);
  const scores = valFeats.map((f) => {
    const x = vectorizer.transformFeatures(f);
    const s = model.scores(x);
    for (let c = 0; c < s.length; c++) s[c] *= x.coverage;
    return s;
  });
  mult = null;
  report(`${spec} (${trainS} s)`, scores);
  if (process.env.KNN) {
    // Max cosine of each val utterance to any in-scope training row, through an inverted index.
    const prefixes = (process.env.KNN_PREFIX ?? "").split(",").filter(Boolean);
    const keep = (f: number): boolean =>
      prefixes.length === 0 || prefixes.some((p) => vectorizer.terms[f].startsWith(p));
    const postings = new Map<number, { r: number; v: number }[]>();
    const trainRows = rows.slice(0, train.length);
    const norms: number[] = [];
    trainRows.forEach((row, r) => {
      let nn = 0;
      for (let k = 0; k < row.idx.length; k++) if (keep(row.idx[k])) nn += row.val[k] ** 2;
      norms.push(Math.sqrt(nn) || 1);
      if (train[r].intent === OOS) return;
      for (let k = 0; k < row.idx.length; k++) {
        if (!keep(row.idx[k])) continue;
        const list = postings.get(row.idx[k]) ?? [];
        list.push({ r, v: row.val[k] });
        postings.set(row.idx[k], list);
      }
    });
    const t0 = performance.now();
    const simAny: number[] = [];
    const simTop: number[] = [];
    valFeats.forEach((f, i) => {
      const x = vectorizer.transformFeatures(f);
      const acc = new Map<number, number>();
      let qn = 0;
      for (let k = 0; k < x.idx.length; k++) {
        if (!keep(x.idx[k])) continue;
        qn += x.val[k] ** 2;
        for (const { r, v } of postings.get(x.idx[k]) ?? []) acc.set(r, (acc.get(r) ?? 0) + v * x.val[k]);
      }
      qn = Math.sqrt(qn) || 1;
      let top = 0;
      const s = scores[i];
      for (let c = 0; c < s.length; c++) if (c !== oosIndex && s[c] > s[top]) top = c;
      let best = 0;
      let bestTop = 0;
      for (const [r, dot] of acc) {
        const cos = dot / (norms[r] * qn);
        if (cos > best) best = cos;
        if (labelIndex.get(train[r].intent) === top && cos > bestTop) bestTop = cos;
      }
      simAny.push(best * x.coverage);
      simTop.push(bestTop * x.coverage);
    });
    console.error(`  knn ${((1000 * (performance.now() - t0)) / val.length).toFixed(0)} µs/utterance`);
    for (const a of [0.5, 1, 2]) {
      mult = simAny.map((v) => v ** a);
      report(`  × maxsim^${a}`, scores);
      mult = simTop.map((v) => v ** a);
      report(`  × topsim^${a}`, scores);
    }
    mult = null;
  }
  if (extraTexts.length) console.error(`  e.g. ${extraTexts.slice(0, 3).join(" / ")}`);
}
