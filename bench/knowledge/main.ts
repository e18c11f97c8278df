/**
 * Knowledge-pipeline speed, each measure against a simple peer in the same run:
 *   SimHash MB/s (bit-sliced counters vs 64 plain counters), ingestion MB/s (normalise, chunk,
 *   analyse), index build chunks/s, retrieval p99 over N chunks (BM25 inverted index and HNSW vs a
 *   linear scan), and memory. Usage: npx tsx bench/knowledge/main.ts [chunks=100000]
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import {
  analyze,
  Bm25Index,
  chunkDocument,
  convexFusion,
  HashedNgramEmbedder,
  parseMarkdown,
  reciprocalRankFusion,
  simhash,
  VectorIndex,
} from "@seekdesk/knowledge";

const N = Number(process.argv[2] ?? 100_000);
const sentences = readFileSync(join(datasetDir("atec-faq"), "corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text);
let seed = 1;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = () => sentences[Math.floor(rand() * sentences.length)] as string;
const chunks = Array.from({ length: N }, () => `${pick()}。${pick()}。${pick()}。`);
const bytes = (xs: string[]) => xs.reduce((n, s) => n + Buffer.byteLength(s), 0);
const rows: [string, string, string, string][] = [];
const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

// SimHash: ours vs the textbook loop (64 signed counters per shingle).
function naiveSimhash(text: string): bigint {
  const v = new Int32Array(64);
  const s = text.replace(/\s/g, "");
  for (let i = 0; i + 1 < s.length; i++) {
    let h = 0xcbf29ce484222325n;
    for (const c of s.slice(i, i + 2))
      h = ((h ^ BigInt(c.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn;
    for (let b = 0; b < 64; b++) v[b] = (v[b] as number) + ((h >> BigInt(b)) & 1n ? 1 : -1);
  }
  let out = 0n;
  for (let b = 0; b < 64; b++) if ((v[b] as number) > 0) out |= 1n << BigInt(b);
  return out;
}
const docs = Array.from({ length: 2000 }, () => Array.from({ length: 40 }, pick).join("。"));
const docBytes = bytes(docs) / 1e6;
const tOurs = time(() => {
  for (const d of docs) simhash(d);
});
const tPeer =
  time(() => {
    for (const d of docs.slice(0, 200)) naiveSimhash(d);
  }) * 10;
rows.push([
  "SimHash MB/s (1 core)",
  (docBytes / tOurs).toFixed(1),
  (docBytes / tPeer).toFixed(2),
  `${(tPeer / tOurs).toFixed(0)}×`,
]);

// Ingestion: Markdown parse + normalise + structure chunking + analysis, vs splitting on length.
const md = docs.slice(0, 500).map((d, i) => `# 文档${i}\n\n## 说明\n\n${d.replace(/。/g, "。\n\n")}`);
const mdBytes = bytes(md) / 1e6;
const tIngest = time(() =>
  md.forEach((m, i) => {
    for (const c of chunkDocument(`d${i}`, { title: "t", blocks: parseMarkdown(m) }).chunks) analyze(c.text);
  }),
);
const tSplit = time(() =>
  md.forEach((m) => {
    for (let i = 0; i < m.length; i += 300) m.slice(i, i + 300).split(/\s+/);
  }),
);
rows.push([
  "ingest MB/s (parse+chunk+analyse)",
  (mdBytes / tIngest).toFixed(2),
  (mdBytes / tSplit).toFixed(1),
  `${(tSplit / tIngest).toFixed(2)}×`,
]);

// Index build: analyse + BM25 postings + hashed embedding + vector store.
const emb = new HashedNgramEmbedder();
const bm = new Bm25Index();
const vi = new VectorIndex(emb.dim);
const terms: string[][] = [];
const tBuild = time(() =>
  chunks.forEach((c, i) => {
    const t = analyze(c);
    terms.push(t);
    bm.add(i, t);
    vi.add(i, emb.embedOne(c));
  }),
);
const tAnn = time(() => vi.prepare());
const tPeerBuild = time(() => {
  const m = new Map<number, string[]>();
  chunks.forEach((c, i) => {
    m.set(i, c.split(""));
  });
});
rows.push([
  `index build chunks/s (${N} chunks)`,
  (N / tBuild).toFixed(0),
  (N / tPeerBuild).toFixed(0),
  `${(tPeerBuild / tBuild).toFixed(2)}×`,
]);
rows.push(["HNSW graph build s", tAnn.toFixed(1), "-", "-"]);

// Retrieval latency: 300 queries each.
const queries = Array.from({ length: 300 }, pick);
const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] as number;
const lat = (fn: (q: string) => void) =>
  p99(
    queries.map((q) => {
      const t = performance.now();
      fn(q);
      return performance.now() - t;
    }),
  );
const bmP99 = lat((q) => bm.search(analyze(q), 10));
const scanP99 = lat((q) => {
  const qt = new Set(analyze(q));
  let best = 0;
  terms.forEach((t) => {
    let s = 0;
    for (const x of t) if (qt.has(x)) s++;
    if (s > best) best = s;
  });
});
rows.push([
  `BM25 p99 ms (${N} chunks)`,
  bmP99.toFixed(2),
  scanP99.toFixed(1),
  `${(scanP99 / bmP99).toFixed(0)}×`,
]);
const qv = queries.map((q) => emb.embedOne(q));
let qi = 0;
const annP99 = lat(() => vi.search(qv[qi++ % qv.length] as Float32Array, 10));
qi = 0;
const exactP99 = lat(() => vi.scan(qv[qi++ % qv.length] as Float32Array, 10));
rows.push([
  `vector p99 ms (HNSW vs exact scan)`,
  annP99.toFixed(2),
  exactP99.toFixed(1),
  `${(exactP99 / annP99).toFixed(0)}×`,
]);
// Hybrid as the knowledge base runs it for k = 10: both lists 50 deep, then fused. The two
// fusions alternate query by query, so a collection or a neighbour's load hits both alike.
// The first pass over the queries is a warm-up.
type Hits = ReturnType<Bm25Index["search"]>;
const fusions = [
  (b: Hits, v: Hits) => convexFusion(b, v),
  (b: Hits, v: Hits) => reciprocalRankFusion([{ hits: b }, { hits: v }]),
];
const hybridTimes: [number[], number[]] = [[], []];
for (const q of [...queries, ...queries]) {
  fusions.forEach((fuse, i) => {
    const t = performance.now();
    fuse(bm.search(analyze(q), 50), vi.search(emb.embedOne(q), 50)).slice(0, 10);
    hybridTimes[i]?.push(performance.now() - t);
  });
}
const [convexP99, rrfP99] = hybridTimes.map((xs) => p99(xs.slice(queries.length))) as [number, number];
rows.push([
  `hybrid p99 ms (convex fusion vs RRF)`,
  convexP99.toFixed(2),
  rrfP99.toFixed(2),
  `${(rrfP99 / convexP99).toFixed(2)}×`,
]);
let overlap = 0;
for (const v of qv.slice(0, 100)) {
  const a = new Set(vi.search(v, 10).map((h) => h.key));
  overlap += vi.scan(v, 10).filter((h) => a.has(h.key)).length / 10;
}
rows.push(["HNSW recall@10 vs exact", (overlap / 100).toFixed(3), "1.000", "-"]);
const mem = process.memoryUsage();
rows.push([
  "memory RSS / heap MB",
  `${(mem.rss / 1e6).toFixed(0)} / ${(mem.heapUsed / 1e6).toFixed(0)}`,
  "-",
  "-",
]);

const machine = `${cpus()[0]?.model ?? "cpu"} ×${cpus().length}, node ${process.version}`;
console.log(`| measure | ours | peer | ratio | machine |\n|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.join(" | ")} | ${machine} |`);
