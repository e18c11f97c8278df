/**
 * Question: does diversifying the first five hits (maximal marginal relevance, Carbonell &
 * Goldstein 1998) help on atec-faq, where BM25's top five are near-copies of the query and of
 * each other, and the one labelled answer is a less literal paraphrase?
 *
 * Usage: npx tsx bench/knowledge/atec-mmr.ts [seed=1] [cacheDir=/tmp/atec-mmr]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import { analyze, Bm25Index, convexFusion, ParaphraseEmbedder, pairsWithout } from "@seekdesk/knowledge";

const seed = Number(process.argv[2] ?? 1);
const cache = process.argv[3] ?? "/tmp/atec-mmr";
mkdirSync(cache, { recursive: true });
const dir = datasetDir("atec-faq");
const jsonl = <T>(f: string) =>
  readFileSync(join(dir, f), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
const corpus = jsonl<{ id: string; text: string }>("corpus.jsonl");
const queries = jsonl<{ query: string; relevant: string[] }>("queries.jsonl");
const idIndex = new Map(corpus.map((d, i) => [d.id, i]));
const rows = readFileSync(join(dir, "atec_nlp_sim_train.csv"), "utf8")
  .replace(/\ufeff/g, "")
  .split("\n")
  .map((l) => l.split("\t"))
  .filter((c) => c.length >= 4)
  .map((c) => ({ a: (c[1] as string).trim(), b: (c[2] as string).trim(), label: (c[3] as string).trim() }));
const heldOut = queries.flatMap((q) => [
  q.query,
  ...q.relevant.map((r) => corpus[idIndex.get(r) ?? -1]?.text ?? ""),
]);
const pos = (pairsWithout(rows, heldOut) as typeof rows).filter((r) => r.label === "1");

const D = 256;
const vecFile = join(cache, `emb_s${seed}.f32`);
let all: Float32Array;
if (existsSync(vecFile)) all = new Float32Array(readFileSync(vecFile).buffer.slice(0));
else {
  const m = await ParaphraseEmbedder.train(pos, { seed });
  const vs = await m.embed([...corpus.map((d) => d.text), ...queries.map((q) => q.query)]);
  all = new Float32Array(vs.length * D);
  for (const [i, v] of vs.entries()) all.set(v, i * D);
  writeFileSync(vecFile, Buffer.from(all.buffer));
}
const N = corpus.length;
const dot = (a: number, b: number) => {
  let s = 0;
  for (let k = 0; k < D; k++) s += (all[a * D + k] as number) * (all[b * D + k] as number);
  return s;
};
const bm = new Bm25Index();
for (const [i, d] of corpus.entries()) bm.add(i, analyze(d.text));

const bigrams = (t: string) => {
  const s = new Set<string>();
  const c = [...t.replace(/\s+/g, "")];
  for (let i = 0; i < c.length; i++) {
    s.add(c[i] as string);
    if (i + 1 < c.length) s.add((c[i] as string) + c[i + 1]);
  }
  return s;
};
const jaccard = (a: Set<string>, b: Set<string>) => {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n / (a.size + b.size - n || 1);
};
type Scored = { key: number; score: number };
function mmr(
  list: Scored[],
  lambda: number,
  sim: (a: number, b: number) => number,
  pool = 20,
  k = 10,
): number[] {
  const cand = list.slice(0, pool);
  const top = cand[0]?.score || 1;
  const chosen: number[] = [];
  const left = cand.map((h) => ({ key: h.key, rel: h.score / top }));
  while (chosen.length < k && left.length > 0) {
    let best = 0;
    let bestV = -Infinity;
    for (const [i, h] of left.entries()) {
      let red = 0;
      for (const c of chosen) red = Math.max(red, sim(h.key, c));
      const v = lambda * h.rel - (1 - lambda) * red;
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    chosen.push((left.splice(best, 1)[0] as { key: number }).key);
  }
  return chosen;
}

const lambdas = [1, 0.9, 0.8, 0.7, 0.6, 0.5];
const hits = new Map<string, number[]>(); // name -> per query hit@5 (0/1)
const note = (name: string, qi: number, ranked: number[], rel: Set<number>) => {
  if (!hits.has(name)) hits.set(name, new Array(queries.length).fill(0));
  (hits.get(name) as number[])[qi] = ranked.slice(0, 5).some((k) => rel.has(k)) ? 1 : 0;
};
const started = Date.now();
for (const [qi, q] of queries.entries()) {
  const rel = new Set(q.relevant.map((r) => idIndex.get(r) as number));
  const lex = bm.search(analyze(q.query), 100) as Scored[];
  const qv = N + qi;
  const sc = new Float32Array(N);
  for (let i = 0; i < N; i++) sc[i] = dot(qv, i);
  const order = Array.from(sc.keys())
    .sort((a, b) => (sc[b] as number) - (sc[a] as number))
    .slice(0, 100);
  const sem = order.map((key) => ({ key, score: sc[key] as number }));
  const fused = convexFusion(lex, sem, 0.9);
  const bg = new Map<number, Set<string>>();
  const lexSim = (a: number, b: number) => {
    for (const k of [a, b]) if (!bg.has(k)) bg.set(k, bigrams((corpus[k] as { text: string }).text));
    return jaccard(bg.get(a) as Set<string>, bg.get(b) as Set<string>);
  };
  for (const l of lambdas) {
    note(`bm25 mmr-jaccard λ${l}`, qi, mmr(lex, l, lexSim), rel);
    note(`bm25 mmr-cosine λ${l}`, qi, mmr(lex, l, dot), rel);
    note(`hybrid mmr-jaccard λ${l}`, qi, mmr(fused, l, lexSim), rel);
    note(`hybrid mmr-cosine λ${l}`, qi, mmr(fused, l, dot), rel);
  }
  if (qi % 200 === 0)
    process.stderr.write(`${qi} queries, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const [name, h] of hits) {
  const dev = h.filter((_, i) => i % 2 === 0);
  const test = h.filter((_, i) => i % 2 === 1);
  console.log(
    `${name.padEnd(28)} dev ${mean(dev).toFixed(4)} test ${mean(test).toFixed(4)} all ${mean(h).toFixed(4)}`,
  );
}
