/**
 * Dumps what the second-stage prototype (atec-rerank.py) needs, computed by the product's own
 * components: BM25 top-100 lists (Bm25Index + analyze) and ParaphraseEmbedder vectors.
 *
 * Training material for a reranker must look like evaluation: a query, its first-stage candidates,
 * and which candidate is its labelled partner. The held-out-safe label-1 pairs give that (one side
 * as the query over the corpus, itself excluded, the other side as the answer), but only if the
 * embedder scoring them has not been trained on that very pair. So the pairs are split into three
 * folds by connected component of the pair graph (no sentence in two folds), one embedder per fold
 * is trained on the other two, and each fold's queries are scored by the embedder that never saw
 * them, as the evaluation queries are by the full one.
 *
 * Usage: npx tsx bench/knowledge/atec-rerank-dump.ts <outDir> [seed=1]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { datasetDir } from "@seekdesk/core";
import { analyze, Bm25Index, comparableText, ParaphraseEmbedder, pairsWithout } from "@seekdesk/knowledge";

const out = process.argv[2] ?? "/tmp/atec-rr";
const seed = Number(process.argv[3] ?? 1);
const onlyEmbed = process.argv[4] === "embed-only";
mkdirSync(out, { recursive: true });
const dir = datasetDir("atec-faq");
const corpus = readFileSync(join(dir, "corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; text: string });
const queries = readFileSync(join(dir, "queries.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { query: string; relevant: string[] });
const rows = readFileSync(join(dir, "atec_nlp_sim_train.csv"), "utf8")
  .replace(/\ufeff/g, "")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => l.split("\t"))
  .filter((c) => c.length >= 4)
  .map((c) => ({ a: (c[1] as string).trim(), b: (c[2] as string).trim(), label: (c[3] as string).trim() }));

const byText = new Map<string, number>();
for (const [i, d] of corpus.entries()) byText.set(comparableText(d.text), i);
const idIndex = new Map(corpus.map((d, i) => [d.id, i]));
const heldOut = queries.flatMap((q) => [
  q.query,
  ...q.relevant.map((r) => corpus[idIndex.get(r) ?? -1]?.text ?? ""),
]);
const safe = pairsWithout(rows, heldOut) as typeof rows;
const pos = safe.filter((r) => r.label === "1");
const neg = safe.filter((r) => r.label === "0");

// Folds: connected components of the positive pairs, assigned round-robin by first appearance.
const parent = new Map<string, string>();
const find = (x: string): string => {
  let r = x;
  while (parent.get(r) !== r) r = parent.get(r) as string;
  parent.set(x, r);
  return r;
};
for (const p of pos) {
  for (const s of [comparableText(p.a), comparableText(p.b)]) if (!parent.has(s)) parent.set(s, s);
  parent.set(find(comparableText(p.a)), find(comparableText(p.b)));
}
const compFold = new Map<string, number>();
const foldOf = (p: { a: string }) => {
  const r = find(comparableText(p.a));
  if (!compFold.has(r)) compFold.set(r, compFold.size % 3);
  return compFold.get(r) as number;
};
const posRows = pos.map((p) => [
  byText.get(comparableText(p.a)) ?? -1,
  byText.get(comparableText(p.b)) ?? -1,
  foldOf(p),
]);
const negRows = neg.map((p) => [
  byText.get(comparableText(p.a)) ?? -1,
  byText.get(comparableText(p.b)) ?? -1,
]);

const f32 = (vs: Float32Array[]) => {
  const b = Buffer.alloc(vs.length * (vs[0]?.length ?? 0) * 4);
  for (const [i, v] of vs.entries())
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(b, i * v.byteLength);
  return b;
};

if (!onlyEmbed) {
  writeFileSync(join(out, "pairs.json"), JSON.stringify({ pos: posRows, neg: negRows }));
  const bm = new Bm25Index();
  for (const [i, d] of corpus.entries()) bm.add(i, analyze(d.text));
  const dumpBm = (name: string, qs: { text: string; self: number }[]) => {
    const keys = new Int32Array(qs.length * 100).fill(-1);
    const scores = new Float32Array(qs.length * 100);
    qs.forEach((q, i) => {
      const hits = bm
        .search(analyze(q.text), 101)
        .filter((h) => h.key !== q.self)
        .slice(0, 100);
      hits.forEach((h, j) => {
        keys[i * 100 + j] = h.key;
        scores[i * 100 + j] = h.score;
      });
    });
    writeFileSync(join(out, `${name}.keys.i32`), Buffer.from(keys.buffer));
    writeFileSync(join(out, `${name}.scores.f32`), Buffer.from(scores.buffer));
  };
  dumpBm(
    "bm25_eval",
    queries.map((q) => ({ text: q.query, self: -1 })),
  );
  const anchors = [...new Set(posRows.flatMap((r) => [r[0] as number, r[1] as number]))].sort(
    (x, y) => x - y,
  );
  writeFileSync(join(out, "anchors.json"), JSON.stringify(anchors));
  dumpBm(
    "bm25_anchor",
    anchors.map((i) => ({ text: (corpus[i] as { text: string }).text, self: i })),
  );
  console.log(`pos ${pos.length} neg ${neg.length} anchors ${anchors.length} components ${compFold.size}`);
}

const texts = corpus.map((d) => d.text);
const full = await ParaphraseEmbedder.train(pos, { seed });
writeFileSync(join(out, `emb_full_s${seed}.corpus.f32`), f32(await full.embed(texts)));
writeFileSync(join(out, `emb_full_s${seed}.queries.f32`), f32(await full.embed(queries.map((q) => q.query))));
for (let k = 0; k < 3; k++) {
  const train = pos.filter((p) => foldOf(p) !== k);
  const m = await ParaphraseEmbedder.train(train, { seed });
  writeFileSync(join(out, `emb_fold${k}_s${seed}.corpus.f32`), f32(await m.embed(texts)));
  console.log(`seed ${seed} fold ${k}: trained on ${train.length}`);
}
