import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import {
  InvalidRequestError,
  NotFoundError,
  type Retriever,
  type SearchHit,
  type SearchOptions,
  StoreUnavailableError,
} from "@seekdesk/core";
import type { SqliteDatabase } from "@seekdesk/store";
import { type ChunkOptions, chunkDocument, indexTextOf } from "./chunk.ts";
import { type CrawlOptions, type CrawlSkip, crawl } from "./crawl/crawler.ts";
import { HashedNgramEmbedder } from "./embed/hashed.ts";
import type { Embedder } from "./embed/types.ts";
import { Bm25Index } from "./index/bm25.ts";
import { MemoryVectorStore, type VectorStore } from "./index/vector-store.ts";
import {
  type DocumentParser,
  defaultParsers,
  type ParsedDocument,
  ParseError,
  parserFor,
} from "./parse/index.ts";
import { convexFusion } from "./rank.ts";
import { type RerankEvent, rerankOrFallback } from "./rerank/guard.ts";
import { SqliteKnowledgeStore } from "./storage/sqlite.ts";
import {
  dimensionMismatch,
  type KnowledgeStore,
  type PreparedDoc,
  storedDimensionMismatch,
} from "./storage/types.ts";
import { type AnalyzeOptions, analyze } from "./text/tokenize.ts";
import {
  type DocumentChunk,
  type DocumentInfo,
  type IngestOptions,
  type IngestReport,
  type IngestResult,
  type KnowledgeStats,
  summarize,
} from "./types.ts";

/** Reorders first-stage hits, e.g. with an LLM (see `LlmReranker`). */
export interface Reranker {
  /** For logs and metrics, e.g. `llm:deepseek-r1`. */
  readonly name?: string;
  /** How many first-stage hits it looks at; the search fetches at least this many. */
  readonly candidates?: number;
  rerank(query: string, hits: SearchHit[], signal?: AbortSignal): Promise<SearchHit[]>;
}

export interface KnowledgeBaseOptions {
  /** SQLite file (created if missing) or an already open database. Default `:memory:`. */
  file?: string;
  db?: SqliteDatabase;
  /**
   * Where documents, chunks and vectors live; overrides `file`/`db`. Default: SQLite. For Postgres
   * with pgvector see `openPostgresKnowledgeStore` (or `openConfiguredKnowledgeBase`).
   */
  store?: KnowledgeStore;
  /** Default: hashed character n-grams, 256 dimensions, no weights needed. */
  embedder?: Embedder;
  /** Default: the store's own (pgvector on Postgres), else in memory, loaded from the store. */
  vectorStore?: VectorStore;
  parsers?: readonly DocumentParser[];
  chunk?: ChunkOptions;
  analyzer?: AnalyzeOptions;
  /** Files above this size are reported as too large instead of read. Default 64 MiB. */
  maxFileBytes?: number;
  /**
   * Reranks every search's first-stage hits unless the search says `rerank: false`. A failure, an
   * unusable answer or a timeout keeps the first-stage order (see `rerankOrFallback`).
   */
  reranker?: Reranker;
  /** Reranking's time limit per search. Default 5000 ms. */
  rerankTimeoutMs?: number;
  /** Told how each reranking went (metrics, logs). */
  onRerank?: (e: RerankEvent) => void;
}

export interface FaqEntry {
  id?: string;
  question: string;
  answer: string;
}

export interface TextInput {
  id?: string;
  title: string;
  text: string;
  /** Where it came from (shown in citations). Default `text:<id>`. */
  source?: string;
  format?: "markdown" | "text";
}

// Bump when parsing or chunking changes in a way that should re-chunk unchanged files.
const PIPELINE_VERSION = "1";
const SKIP_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__"]);

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export function documentId(source: string, key?: string): string {
  return `doc_${sha256(source, "\0", key ?? "").slice(0, 20)}`;
}

export class KnowledgeBase implements Retriever {
  private bm25 = new Bm25Index();
  private readonly parsers: readonly DocumentParser[];

  private constructor(
    readonly store: KnowledgeStore,
    readonly embedder: Embedder,
    readonly vectors: VectorStore,
    private readonly opts: KnowledgeBaseOptions,
  ) {
    this.parsers = opts.parsers ?? defaultParsers;
  }

  static async open(opts: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
    const store: KnowledgeStore = opts.store ?? SqliteKnowledgeStore.open({ file: opts.file, db: opts.db });
    const embedder = opts.embedder ?? new HashedNgramEmbedder();
    const vectors = opts.vectorStore ?? store.vectorStore?.() ?? new MemoryVectorStore();
    const kb = new KnowledgeBase(store, embedder, vectors, opts);
    try {
      await kb.load();
    } catch (err) {
      await kb.close();
      throw err;
    }
    return kb;
  }

  /** Rebuilds the in-memory indexes from the store and embeds chunks that lack a vector. */
  private async load(): Promise<void> {
    await this.store.externalChanges();
    for await (const row of this.store.chunkTerms()) this.bm25.add(row.key, row.terms);
    await this.vectors.init(this.embedder.dim, this.embedder.id);
    if (!this.vectors.persistent) {
      const batch: { key: number; vec: Float32Array }[] = [];
      for await (const row of this.store.storedVectors(this.embedder.id)) {
        if (row.vec.length !== this.embedder.dim)
          throw new Error(storedDimensionMismatch(this.embedder.id, row.vec.length, this.embedder.dim));
        batch.push(row);
      }
      await this.vectors.add(batch);
    }
    await this.embedMissing();
  }

  /**
   * Another connection (a second process, another server, or a second KnowledgeBase on the same
   * file or database) committed changes, so the in-process indexes are rebuilt before answering.
   */
  private async syncExternalChanges(): Promise<void> {
    if (!(await this.store.externalChanges())) return;
    this.bm25 = new Bm25Index();
    if (!this.vectors.persistent) await this.vectors.close();
    await this.load();
  }

  /** Embeds in batches of 256, checking every vector against the embedder's declared size. */
  private async embedChecked(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 256) {
      const vecs = await this.embedder.embed(texts.slice(i, i + 256), signal);
      for (const v of vecs)
        if (v.length !== this.embedder.dim)
          throw new Error(dimensionMismatch(this.embedder.id, v.length, this.embedder.dim));
      out.push(...vecs);
    }
    return out;
  }

  /** Chunks stored under another embedder (or none) get vectors now, in batches. */
  async embedMissing(signal?: AbortSignal): Promise<number> {
    const missing = await this.store.chunksWithoutVector(this.embedder.id);
    for (let i = 0; i < missing.length; i += 256) {
      const part = missing.slice(i, i + 256);
      const vecs = await this.embedChecked(
        part.map((r) => indexTextOf(r.title, { section: r.section, kind: r.kind as "text", text: r.text })),
        signal,
      );
      const entries = part.map((r, j) => ({ key: r.key, vec: vecs[j] as Float32Array }));
      await this.store.putVectors(this.embedder.id, entries);
      if (!this.vectors.persistent) await this.vectors.add(entries);
    }
    return missing.length;
  }

  private async prepare(
    source: string,
    docs: ParsedDocument[],
    fixedId?: string,
    signal?: AbortSignal,
  ): Promise<PreparedDoc[]> {
    const out: PreparedDoc[] = [];
    for (const doc of docs) {
      const id = fixedId && docs.length === 1 ? fixedId : documentId(source, doc.key);
      const { text, chunks } = chunkDocument(id, doc, this.opts.chunk);
      const prepared: PreparedDoc = {
        id,
        title: doc.title,
        text,
        chunks: chunks.map((c) => ({ ...c, terms: analyze(indexTextOf(doc.title, c), this.opts.analyzer) })),
      };
      out.push(prepared);
    }
    const all = out.flatMap((d) => d.chunks.map((c) => ({ c, title: d.title })));
    const vecs = await this.embedChecked(
      all.map(({ c, title }) => indexTextOf(title, c)),
      signal,
    );
    all.forEach(({ c }, j) => {
      c.vec = vecs[j];
    });
    return out;
  }

  /**
   * Replaces everything ingested from `source` with `docs`, in one store transaction: a crash
   * or kill leaves either the old version or the new one, never half of each.
   */
  private async commit(
    source: string,
    format: string,
    contentHash: string,
    bytes: number,
    docs: PreparedDoc[],
  ): Promise<{ removed: number[]; added: number }> {
    const { removed, added } = await this.store.replaceSource({
      source,
      format,
      contentHash,
      bytes,
      docs,
      embedderId: this.embedder.id,
    });
    for (const k of removed) this.bm25.remove(k);
    for (const e of added) this.bm25.add(e.key, e.terms);
    if (!this.vectors.persistent) {
      await this.vectors.remove(removed);
      await this.vectors.add(
        added.filter((e) => e.vec).map((e) => ({ key: e.key, vec: e.vec as Float32Array })),
      );
    }
    return { removed, added: added.length };
  }

  private previousHash(source: string): Promise<string | undefined> {
    return this.store.contentHash(source);
  }

  /**
   * Ingests one file's bytes under `source`. Never throws for bad input: the result says what
   * went wrong, so a batch goes on. Unchanged content (same hash) is skipped without parsing.
   */
  async ingestBytes(
    source: string,
    name: string,
    bytes: Uint8Array,
    mime?: string,
    signal?: AbortSignal,
  ): Promise<IngestResult> {
    const base = { source, documents: 0, chunks: 0 };
    const max = this.opts.maxFileBytes ?? 64 * 1024 * 1024;
    if (bytes.length > max)
      return {
        ...base,
        status: "failed",
        code: "too_large",
        message: `file is ${bytes.length} bytes; the limit is ${max}`,
      };
    if (bytes.length === 0) return { ...base, status: "failed", code: "empty", message: "file is empty" };
    const parser = parserFor(name, mime, this.parsers);
    if (!parser)
      return {
        ...base,
        status: "skipped",
        code: "unsupported",
        message: `no parser for ${extname(name) || mime || "this file"}`,
      };
    const hash = sha256(
      PIPELINE_VERSION,
      JSON.stringify(this.opts.chunk ?? {}),
      JSON.stringify(this.opts.analyzer ?? {}),
      bytes,
    );
    const before = await this.previousHash(source);
    if (before === hash) {
      const n = await this.store.sourceTotals(source);
      return { ...base, status: "unchanged", documents: n.documents, chunks: n.chunks };
    }
    try {
      const parsed = await parser.parse(bytes, { name });
      const docs = await this.prepare(source, parsed, undefined, signal);
      const chunks = docs.reduce((n, d) => n + d.chunks.length, 0);
      if (chunks === 0) return { ...base, status: "failed", code: "empty", message: "no text found" };
      signal?.throwIfAborted();
      await this.commit(source, parser.name, hash, bytes.length, docs);
      return { ...base, status: before ? "updated" : "added", documents: docs.length, chunks };
    } catch (err) {
      // An outage is not this file's fault: the caller answers 503 (or stops the batch) instead.
      if (signal?.aborted || err instanceof StoreUnavailableError) throw err;
      if (err instanceof ParseError)
        return { ...base, status: "failed", code: err.code, message: err.message };
      return { ...base, status: "failed", code: "error", message: (err as Error).message };
    }
  }

  /** Files and folders (recursively; hidden entries skipped). One result per file, in order. */
  async ingestPaths(paths: readonly string[], opts: IngestOptions = {}): Promise<IngestReport> {
    const files: { path: string; explicit: boolean }[] = [];
    const results: IngestResult[] = [];
    const walk = async (p: string, explicit: boolean): Promise<void> => {
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(p);
      } catch (err) {
        results.push({
          source: p,
          status: "failed",
          documents: 0,
          chunks: 0,
          code: "unreadable",
          message:
            (err as NodeJS.ErrnoException).code === "ENOENT"
              ? "no such file or folder"
              : (err as Error).message,
        });
        return;
      }
      if (st.isDirectory()) {
        const entries = (await readdir(p)).sort();
        for (const e of entries) if (!e.startsWith(".") && !SKIP_DIRS.has(e)) await walk(join(p, e), false);
      } else if (st.isFile()) {
        // Inside folders, only files some parser claims; a file named explicitly is always tried.
        if (explicit || parserFor(p, undefined, this.parsers)) files.push({ path: p, explicit });
      }
    };
    for (const p of paths) await walk(resolve(p), true);
    const total = files.length + results.length;
    let done = results.length;
    for (const { path } of files) {
      opts.signal?.throwIfAborted();
      let result: IngestResult;
      try {
        const st = await stat(path);
        const max = this.opts.maxFileBytes ?? 64 * 1024 * 1024;
        if (st.size > max)
          result = {
            source: path,
            status: "failed",
            documents: 0,
            chunks: 0,
            code: "too_large",
            message: `file is ${st.size} bytes; the limit is ${max}`,
          };
        else
          result = await this.ingestBytes(path, basename(path), await readFile(path), undefined, opts.signal);
      } catch (err) {
        if (opts.signal?.aborted || err instanceof StoreUnavailableError) throw err;
        result = {
          source: path,
          status: "failed",
          documents: 0,
          chunks: 0,
          code: "unreadable",
          message: (err as Error).message,
        };
      }
      results.push(result);
      done++;
      opts.onProgress?.({ done, total, source: path, status: result.status });
    }
    return summarize(results);
  }

  /** Fetches one URL and ingests it under its URL (no crawling; see `crawl`). */
  async ingestUrl(
    url: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<IngestResult> {
    const base = { source: url, documents: 0, chunks: 0 };
    let res: Response;
    try {
      const signal = AbortSignal.any([
        AbortSignal.timeout(opts.timeoutMs ?? 20_000),
        ...(opts.signal ? [opts.signal] : []),
      ]);
      res = await fetch(url, { signal, headers: { "user-agent": "seekdesk-kb/0.1" } });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      return {
        ...base,
        status: "failed",
        code: "unreadable",
        message: `fetch failed: ${(err as Error).message}`,
      };
    }
    if (!res.ok) return { ...base, status: "failed", code: "unreadable", message: `HTTP ${res.status}` };
    const bytes = new Uint8Array(await res.arrayBuffer());
    const name = new URL(url).pathname || "/";
    const mime = res.headers.get("content-type") ?? undefined;
    return this.ingestBytes(url, name.endsWith("/") ? `${name}index.html` : name, bytes, mime, opts.signal);
  }

  /**
   * Crawls a site (see `crawl` for the politeness and trap rules) and ingests every page a parser
   * understands, each under its normalised URL; re-crawling skips unchanged pages by hash.
   */
  async crawlSite(
    start: string,
    opts: CrawlOptions & { onProgress?: IngestOptions["onProgress"] } = {},
  ): Promise<IngestReport & { skippedUrls: CrawlSkip[] }> {
    const results: IngestResult[] = [];
    const summary = await crawl(
      start,
      {
        onPage: async (page) => {
          const name = new URL(page.url).pathname;
          const r = await this.ingestBytes(
            page.url,
            name.endsWith("/") ? `${name}index.html` : name,
            page.bytes,
            page.mime,
            opts.signal,
          );
          results.push(r);
          opts.onProgress?.({
            done: results.length,
            total: opts.maxPages ?? 100,
            source: page.url,
            status: r.status,
          });
        },
      },
      opts,
    );
    return { ...summarize(results), skippedUrls: summary.skipped };
  }

  /** A text written elsewhere (an admin form, the demo articles). Markdown by default. */
  async ingestText(input: TextInput, signal?: AbortSignal): Promise<IngestResult> {
    const id = input.id ?? `doc_${sha256(input.title, "\0", input.text).slice(0, 20)}`;
    const source = input.source ?? `text:${id}`;
    const bytes = new TextEncoder().encode(`${input.title}\n\0${input.text}`);
    const hash = sha256(PIPELINE_VERSION, JSON.stringify(this.opts.chunk ?? {}), bytes);
    const before = await this.previousHash(source);
    if (before === hash) return { source, status: "unchanged", documents: 1, chunks: 0 };
    const { parseMarkdown } = await import("./parse/markdown.ts");
    const { paragraphs } = await import("./parse/text.ts");
    const blocks = input.format === "text" ? paragraphs(input.text) : parseMarkdown(input.text);
    const docs = await this.prepare(source, [{ title: input.title, blocks }], id, signal);
    const chunks = docs[0]?.chunks.length ?? 0;
    if (chunks === 0)
      return { source, status: "failed", documents: 0, chunks: 0, code: "empty", message: "no text" };
    await this.commit(source, input.format ?? "markdown", hash, bytes.length, docs);
    return { source, status: before ? "updated" : "added", documents: 1, chunks };
  }

  /** FAQ pairs: one document and one chunk per pair, cited as `faq:<id>`. */
  async ingestFaq(entries: readonly FaqEntry[], signal?: AbortSignal): Promise<IngestReport> {
    const results: IngestResult[] = [];
    for (const e of entries) {
      const question = e.question.trim();
      const answer = e.answer.trim();
      const id = e.id ?? sha256(question).slice(0, 16);
      const source = `faq:${id}`;
      if (!question || !answer) {
        results.push({
          source,
          status: "failed",
          documents: 0,
          chunks: 0,
          code: "empty",
          message: "question and answer are both required",
        });
        continue;
      }
      const hash = sha256(PIPELINE_VERSION, question, "\0", answer);
      const before = await this.previousHash(source);
      if (before === hash) {
        results.push({ source, status: "unchanged", documents: 1, chunks: 1 });
        continue;
      }
      const docs = await this.prepare(
        source,
        [{ title: question, blocks: [{ kind: "faq", question, answer }] }],
        `faq_${id}`,
        signal,
      );
      await this.commit(source, "faq", hash, question.length + answer.length, docs);
      results.push({
        source,
        status: before ? "updated" : "added",
        documents: 1,
        chunks: docs[0]?.chunks.length ?? 0,
      });
    }
    return summarize(results);
  }

  async remove(docId: string): Promise<boolean> {
    const { deleted, removed } = await this.store.removeDocument(docId);
    for (const k of removed) this.bm25.remove(k);
    if (!this.vectors.persistent) await this.vectors.remove(removed);
    return deleted;
  }

  /** Documents, newest first. `query` filters by title or source substring. */
  list(opts: { limit?: number; offset?: number; query?: string } = {}): Promise<DocumentInfo[]> {
    return this.store.listDocuments({
      limit: opts.limit ?? 1000,
      offset: opts.offset ?? 0,
      query: opts.query,
    });
  }

  get(docId: string): Promise<(DocumentInfo & { text: string }) | undefined> {
    return this.store.getDocument(docId);
  }

  async stats(): Promise<KnowledgeStats> {
    const t = await this.store.totals();
    return {
      documents: t.documents,
      chunks: t.chunks,
      bytes: t.bytes,
      terms: this.bm25.size,
      embedder: this.embedder.id,
      dim: this.embedder.dim,
      vectors: await this.vectors.count(),
      ann: this.vectors.usesAnn(),
      vectorStore: this.vectors.name,
    };
  }

  async search(query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const k = opts.k ?? 5;
    const mode = opts.mode ?? "hybrid";
    if (!Number.isInteger(k) || k < 1 || k > 1000)
      throw new InvalidRequestError("k must be an integer between 1 and 1000", "k");
    if (!["bm25", "vector", "hybrid"].includes(mode))
      throw new InvalidRequestError(`mode must be bm25, vector or hybrid, not ${mode}`, "mode");
    if (opts.rerank === true && !this.opts.reranker)
      throw new InvalidRequestError(
        "rerank: no reranker is configured (set knowledge.rerank in the config)",
        "rerank",
      );
    const reranker = opts.rerank === false ? undefined : this.opts.reranker;
    if (!query.trim()) return [];
    opts.signal?.throwIfAborted();
    await this.syncExternalChanges();
    const depth = reranker ? Math.max(k, reranker.candidates ?? Math.max(k * 4, 20)) : k;
    const pool = Math.max(depth * 4, 50);
    let ranked: { key: number; score: number }[];
    if (mode === "bm25") ranked = this.bm25.search(analyze(query, this.opts.analyzer), depth);
    else {
      const [qv] = await this.embedChecked([query], opts.signal);
      const vec = await this.vectors.search(qv as Float32Array, mode === "vector" ? depth : pool);
      ranked =
        mode === "vector"
          ? vec
          : convexFusion(
              this.bm25.search(analyze(query, this.opts.analyzer), pool),
              vec,
              this.embedder.hybridWeight,
            ).slice(0, depth);
    }
    const rows = await this.store.chunkRows(ranked.map((r) => r.key));
    const hits = ranked.flatMap((r) => {
      const row = rows.get(r.key);
      if (!row) return [];
      const hit: SearchHit = {
        chunkId: row.id,
        text: row.text,
        score: r.score,
        citation: {
          docId: row.docId,
          title: row.title,
          source: row.source,
          section: row.section || undefined,
          start: row.start,
          end: row.end,
        },
      };
      return [hit];
    });
    if (!reranker) return hits;
    const out = await rerankOrFallback(reranker, query, hits, {
      timeoutMs: this.opts.rerankTimeoutMs,
      onOutcome: this.opts.onRerank,
      signal: opts.signal,
    });
    return out.hits.slice(0, k).map((h) => ({ ...h, reranked: out.reranked }));
  }

  /** The chunk texts and ids, in insertion order, for exports and evaluation. */
  chunks(): AsyncIterable<{ chunkId: string; docId: string; text: string; section: string }> {
    return this.store.chunks();
  }

  /** One document's chunks in order, with their ids, sections and offsets; 404 for no such document. */
  async documentChunks(docId: string): Promise<DocumentChunk[]> {
    await this.requireDocument(docId);
    const rows = await this.store.documentChunks(docId);
    return rows.map((r, ordinal) => ({
      id: r.id,
      docId: r.docId,
      ordinal,
      section: r.section || null,
      kind: r.kind,
      start: r.start,
      end: r.end,
      text: r.text,
    }));
  }

  async requireDocument(docId: string): Promise<DocumentInfo & { text: string }> {
    const d = await this.get(docId);
    if (!d) throw new NotFoundError(`No document with id ${docId}`, "document_not_found", "id");
    return d;
  }

  async close(): Promise<void> {
    await this.vectors.close();
    await this.store.close();
  }
}

export function openKnowledgeBase(opts: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  return KnowledgeBase.open(opts);
}
