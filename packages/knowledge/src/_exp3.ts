import { readFileSync } from "node:fs";
import { CorpusEmbedder } from "./embed/corpus.ts";
import { fnv1a, surfaceFeatures } from "./embed/features.ts";
import { normalizeL2 } from "./embed/types.ts";
import { scoreRankings } from "./eval/metrics.ts";
import { Bm25Index } from "./index/bm25.ts";
import { VectorIndex } from "./index/vector-index.ts";
import { reciprocalRankFusion } from "./rank.ts";
import { analyze } from "./text/tokenize.ts";

const dir = "/work/shared/datasets/atec-faq/";
const corpus = readFileSync(dir + "corpus.jsonl", "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; text: string });
let queries = readFileSync(dir + "queries.jsonl", "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { query: string; relevant: string[] });
queries = queries.slice(0, 1000);
const idx = new Bm25Index();
corpus.forEach((d, i) => idx.add(i, analyze(d.text)));
const bm = queries.map((q) => idx.search(analyze(q.query), 100));
const ids = (l: { key: number }[]) => l.map((h) => corpus[h.key]!.id);
console.log(
  JSON.stringify(
    scoreRankings(
      "bm25",
      queries.map((q, i) => ({ ranked: ids(bm[i]!), relevant: q.relevant })),
    ),
  ),
);
// A: idf-weighted hashed features
const df = new Map<string, number>();
for (const d of corpus) {
  const seen = new Set<string>();
  surfaceFeatures(d.text, (f) => seen.add(f));
  for (const f of seen) df.set(f, (df.get(f) ?? 0) + 1);
}
const N = corpus.length;
const idfEmb = (dim: number) => (text: string) => {
  const c = new Map<string, number>();
  surfaceFeatures(text, (f, w) => c.set(f, (c.get(f) ?? 0) + 1));
  const v = new Float32Array(dim);
  for (const [f, n] of c) {
    const h = fnv1a(f);
    const idf = Math.log((N + 1) / ((df.get(f) ?? 0) + 1));
    v[h % dim] += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(n)) * idf;
  }
  return normalizeL2(v);
};
const emb = CorpusEmbedder.fit(
  corpus.map((d) => d.text),
  { dim: 128 },
);
const A = idfEmb(512);
const C = (text: string) => {
  const a = emb.embedOne(text),
    b = A(text);
  const v = new Float32Array(a.length + b.length);
  v.set(a.map((x) => x * 0.6));
  v.set(
    b.map((x) => x * 0.8),
    a.length,
  );
  return normalizeL2(v);
};
const run = (name: string, dim: number, e: (s: string) => Float32Array) => {
  const vi = new VectorIndex(dim, { annThreshold: 1e9 });
  corpus.forEach((d, i) => vi.add(i, e(d.text)));
  const vr = queries.map((q) => vi.search(e(q.query), 100));
  console.log(
    JSON.stringify(
      scoreRankings(
        name,
        queries.map((q, i) => ({ ranked: ids(vr[i]!), relevant: q.relevant })),
      ),
    ),
  );
  for (const w of [0.5, 1, 2])
    console.log(
      JSON.stringify(
        scoreRankings(
          `${name} hybrid w${w}`,
          queries.map((q, i) => ({
            ranked: ids(reciprocalRankFusion([{ hits: bm[i]! }, { hits: vr[i]!, weight: w }])),
            relevant: q.relevant,
          })),
        ),
      ),
    );
};
run("idfhash512", 512, A);
run("concat", 640, C);
run("corpus", 128, (s) => emb.embedOne(s));
