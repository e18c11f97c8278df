import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { SearchHit, SearchMode } from "@seekdesk/core";
import { CorpusEmbedder } from "../embed/corpus.ts";
import { HashedNgramEmbedder } from "../embed/hashed.ts";
import type { Embedder } from "../embed/types.ts";
import { Bm25Index } from "../index/bm25.ts";
import { VectorIndex } from "../index/vector-index.ts";
import type { Reranker } from "../kb.ts";
import { convexFusion, reciprocalRankFusion } from "../rank.ts";
import { type RerankEvent, rerankOrFallback } from "../rerank/guard.ts";
import { analyze } from "../text/tokenize.ts";
import { type RetrievalMetrics, scoreRankings } from "./metrics.ts";

export interface CorpusRecord {
  id: string;
  text: string;
}
export interface QueryRecord {
  query: string;
  relevant: string[];
}

/** Reads JSONL lines, naming the file and line of the first malformed one. */
export async function readJsonl<T>(file: string, check: (v: unknown) => v is T, what: string): Promise<T[]> {
  const out: T[] = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${n}: not valid JSON`);
    }
    if (!check(v)) throw new Error(`${file}:${n}: expected ${what}`);
    out.push(v);
  }
  return out;
}

export const isCorpusRecord = (v: unknown): v is CorpusRecord =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as CorpusRecord).id === "string" &&
  typeof (v as CorpusRecord).text === "string";
export const isQueryRecord = (v: unknown): v is QueryRecord =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as QueryRecord).query === "string" &&
  Array.isArray((v as QueryRecord).relevant) &&
  (v as QueryRecord).relevant.every((r) => typeof r === "string");

export interface EvaluateRetrievalOptions {
  modes?: SearchMode[];
  /** "hashed" (the knowledge base default) or "corpus" (PPMI-SVD vectors fitted on the corpus). */
  embedder?: "hashed" | "corpus" | Embedder;
  /** How hybrid merges the lists: "convex" (the knowledge base's) or "rrf" (k = 60), for comparison. */
  fusion?: "convex" | "rrf";
  /** The vector list's weight in convex fusion; default the embedder's own, else the knowledge base's. */
  hybridWeight?: number;
  /**
   * Also score each mode's list reranked (rows `<mode>+rerank`), as the knowledge base does: a
   * failed or timed-out reranking keeps the first-stage order and is reported to `onOutcome`.
   */
  rerank?: { reranker: Reranker; timeoutMs?: number; onOutcome?: (e: RerankEvent) => void };
  onProgress?: (stage: string, done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Retrieval quality of the same components the knowledge base uses (analyzer, BM25, embedder,
 * vector index, fusion), built directly over a `{id,text}` corpus so 75 000 records index in
 * seconds rather than through per-document transactions.
 */
export async function evaluateRetrieval(
  corpus: readonly CorpusRecord[],
  queries: readonly QueryRecord[],
  opts: EvaluateRetrievalOptions = {},
): Promise<RetrievalMetrics[]> {
  const modes = opts.modes ?? ["bm25", "vector", "hybrid"];
  const needBm25 = modes.includes("bm25") || modes.includes("hybrid");
  const needVec = modes.includes("vector") || modes.includes("hybrid");
  const depth = 100;
  const bm = new Bm25Index();
  if (needBm25) for (const [i, d] of corpus.entries()) bm.add(i, analyze(d.text));
  let vec: VectorIndex | undefined;
  let embedder: Embedder | undefined;
  if (needVec) {
    embedder =
      opts.embedder === "corpus"
        ? CorpusEmbedder.fit(corpus.map((d) => d.text))
        : opts.embedder === undefined || opts.embedder === "hashed"
          ? new HashedNgramEmbedder()
          : opts.embedder;
    vec = new VectorIndex(embedder.dim);
    for (let i = 0; i < corpus.length; i += 512) {
      opts.signal?.throwIfAborted();
      const part = corpus.slice(i, i + 512);
      const vs = await embedder.embed(
        part.map((d) => d.text),
        opts.signal,
      );
      for (let j = 0; j < part.length; j++) vec.add(i + j, vs[j] as Float32Array);
      opts.onProgress?.("embed", Math.min(corpus.length, i + 512), corpus.length);
    }
    vec.prepare();
  }
  const ranked: Record<string, { ranked: string[]; relevant: string[] }[]> = {};
  const rows = opts.rerank ? modes.flatMap((m) => [m, `${m}+rerank`]) : modes;
  for (const m of rows) ranked[m] = [];
  const candidates = opts.rerank?.reranker.candidates ?? 20;
  const hit = (key: number, score: number): SearchHit => {
    const d = corpus[key] as CorpusRecord;
    return {
      chunkId: d.id,
      text: d.text,
      score,
      citation: { docId: d.id, title: d.id, source: d.id, start: 0, end: d.text.length },
    };
  };
  for (let qi = 0; qi < queries.length; qi++) {
    opts.signal?.throwIfAborted();
    const q = queries[qi] as QueryRecord;
    const b = needBm25 ? bm.search(analyze(q.query), depth) : [];
    const v = vec && embedder ? vec.search((await embedder.embed([q.query]))[0] as Float32Array, depth) : [];
    const lists: Partial<Record<SearchMode, { key: number; score: number }[]>> = {
      bm25: b,
      vector: v,
      hybrid: modes.includes("hybrid")
        ? opts.fusion === "rrf"
          ? reciprocalRankFusion([{ hits: b }, { hits: v }])
          : convexFusion(b, v, opts.hybridWeight ?? embedder?.hybridWeight)
        : [],
    };
    for (const m of modes) {
      const list = lists[m] ?? [];
      ranked[m]?.push({
        ranked: list.slice(0, 10).map((h) => (corpus[h.key] as CorpusRecord).id),
        relevant: q.relevant,
      });
      if (!opts.rerank) continue;
      // What the knowledge base does: the first stage's top candidates, reranked or, on any
      // failure, kept in order.
      const first = list.slice(0, Math.max(10, candidates)).map((h) => hit(h.key, h.score));
      const out = await rerankOrFallback(opts.rerank.reranker, q.query, first, {
        timeoutMs: opts.rerank.timeoutMs,
        onOutcome: opts.rerank.onOutcome,
        signal: opts.signal,
      });
      ranked[`${m}+rerank`]?.push({
        ranked: out.hits.slice(0, 10).map((h) => h.chunkId),
        relevant: q.relevant,
      });
    }
    if (qi % 100 === 99 || (opts.rerank && qi % 10 === 9))
      opts.onProgress?.("search", qi + 1, queries.length);
  }
  return rows.map((m) => scoreRankings(m, ranked[m] ?? []));
}
