/**
 * Question: does the similarity of an utterance to its nearest training example help reject out-of-scope
 * utterances, beside the calibrated confidence? (kNN distance as an out-of-distribution score, Sun et al.
 * 2022, here over the classifier's own TF-IDF vectors.) The classifier is trained on CLINC150's train
 * split and calibrated on val, exactly as `seekdesk eval intents --dataset clinc150`. Each rule rejects
 * when the oos class wins or its score falls below a threshold chosen on val for 75 % OOS recall; the
 * exponent b of score = confidence · nearest^b is chosen on val, then test is read once, for the
 * chosen b and the shipped rule (b = 0); `--all-test` prints test for every b (EVAL.md's table).
 *   npx tsx bench/intents/knn-oos.ts [--all-test]
 */
import {
  type IntentExample,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { loadIntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import type { SparseVector, TfidfVectorizer } from "../../packages/assistant/src/intents/vectorizer.ts";

const ds = loadIntentDataset("clinc150");
const train = ds.train;
const val = ds.heldOut ?? [];
const test = ds.test;
const clf = trainIntentClassifier(train, { heldOut: val, coveragePower: 1, targetOosRecall: 0.75 });
const vectorizer = (clf as unknown as { vectorizer: TfidfVectorizer }).vectorizer;

// Inverted index over the in-scope training vectors.
const postings = new Map<number, { doc: number; w: number }[]>();
const inScope = train.filter((e) => e.intent !== "oos");
inScope.forEach((e, doc) => {
  const x = vectorizer.transform(e.text);
  for (let i = 0; i < x.idx.length; i++) {
    const list = postings.get(x.idx[i]) ?? [];
    list.push({ doc, w: x.val[i] });
    postings.set(x.idx[i], list);
  }
});
const acc = new Float64Array(inScope.length);
function nearest(x: SparseVector): number {
  acc.fill(0);
  for (let i = 0; i < x.idx.length; i++)
    for (const p of postings.get(x.idx[i]) ?? []) acc[p.doc] += p.w * x.val[i];
  let best = 0;
  for (const v of acc) if (v > best) best = v;
  return best;
}

interface Row {
  gold: string;
  top: string;
  confidence: number;
  oosWins: boolean;
  near: number;
}
function rows(data: IntentExample[]): Row[] {
  return data.map((e) => {
    const p = clf.classify(e.text);
    const oosWins = p.oos && p.confidence >= clf.threshold;
    return {
      gold: e.intent,
      top: p.ranked[0]?.intent ?? "",
      confidence: p.confidence,
      oosWins,
      near: nearest(vectorizer.transform(e.text)),
    };
  });
}
const valRows = rows(val);
const testRows = rows(test);

const score = (r: Row, b: number) => r.confidence * r.near ** b;
/** The smallest threshold rejecting `target` of val's OOS utterances the oos class lets through. */
function thresholdFor(b: number, target: number): number {
  const oos = valRows.filter((r) => r.gold === "oos");
  const needed = Math.ceil(target * oos.length) - oos.filter((r) => r.oosWins).length;
  const left = oos
    .filter((r) => !r.oosWins)
    .map((r) => score(r, b))
    .sort((a, c) => a - c);
  return needed <= 0 ? 0 : (left[needed - 1] ?? 0) + 1e-12;
}
function measure(data: Row[], b: number, t: number) {
  let inScopeN = 0;
  let right = 0;
  let oosN = 0;
  let caught = 0;
  for (const r of data) {
    const rejected = r.oosWins || score(r, b) < t;
    if (r.gold === "oos") {
      oosN++;
      if (rejected) caught++;
    } else {
      inScopeN++;
      if (!rejected && r.top === r.gold) right++;
    }
  }
  return { inScope: right / inScopeN, recall: caught / oosN };
}
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
// The choice is made on val before test is looked at: test is printed for the chosen b and the
// shipped rule (b = 0) only, unless --all-test asks for the whole curve, for the record.
const allTest = process.argv.includes("--all-test");
const exponents = [0, 0.5, 1, 2, 3];
const targets = [0.75, 0.8];
console.log("| b | target | val in-scope / OOS recall |");
console.log("|---|---|---|");
let best = { b: 0, acc: -1 };
for (const b of exponents) {
  for (const target of targets) {
    const v = measure(valRows, b, thresholdFor(b, target));
    if (target === 0.75 && v.inScope > best.acc) best = { b, acc: v.inScope };
    console.log(`| ${b} | ${target} | ${pct(v.inScope)} / ${pct(v.recall)} |`);
  }
}
console.log(`chosen on val (target 0.75): b = ${best.b}\n`);
console.log("| b | target | test in-scope / OOS recall |");
console.log("|---|---|---|");
for (const b of exponents.filter((b) => allTest || b === 0 || b === best.b)) {
  for (const target of targets) {
    const s = measure(testRows, b, thresholdFor(b, target));
    console.log(
      `| ${b}${b === best.b ? " (chosen)" : ""} | ${target} | ${pct(s.inScope)} / ${pct(s.recall)} |`,
    );
  }
}
