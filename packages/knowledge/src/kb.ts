import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import {
  InvalidRequestError,
  NotFoundError,
  type Retriever,
  type SearchHit,
  type SearchOptions,
} from "@seekdesk/core";
import { migrateSqlite, openSqlite, type SqliteDatabase } from "@seekdesk/store";
import { type Chunk, type ChunkOptions, chunkDocument, indexTextOf } from "./chunk.ts";
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
import { reciprocalRankFusion } from "./rank.ts";
import { knowledgeMigrations } from "./schema.ts";
import { type AnalyzeOptions, analyze } from "./text/tokenize.ts";
import {
  type DocumentInfo,
  type IngestOptions,
  type IngestReport,
  type IngestResult,
  type KnowledgeStats,
  summarize,
} from "./types.ts";

/** Reorders first-stage hits, e.g. with an LLM (see `LlmReranker`). */
export interface Reranker {
  rerank(query: string, hits: SearchHit[], signal?: AbortSignal): Promise<SearchHit[]>;
}

export interface KnowledgeBaseOptions {
  /** SQLite file (created if missing) or an already open database. Default `:memory:`. */
  file?: string;
  db?: SqliteDatabase;
  /** Default: hashed character n-grams, 256 dimensions, no weights needed. */
  embedder?: Embedder;
  /** Default: in memory, loaded from SQLite; or `PgVectorStore` for Postgres. */
  vectorStore?: VectorStore;
  parsers?: readonly DocumentParser[];
  chunk?: ChunkOptions;
  analyzer?: AnalyzeOptions;
  /** Files above this size are reported as too large instead of read. Default 64 MiB. */
  maxFileBytes?: number;
  reranker?: Reranker;
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

interface PreparedDoc {
  id: string;
  title: string;
  text: string;
  chunks: {
    id: string;
    ordinal: number;
    section: string;
    kind: Chunk["kind"];
    start: number;
    end: number;
    text: string;
    terms: string[];
    vec?: Float32Array;
  }[];
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
  private dataVersion = 0;
  private readonly parsers: readonly DocumentParser[];
  private readonly hydrate: ReturnType<SqliteDatabase["prepare"]>;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly ownsDb: boolean,
    readonly embedder: Embedder,
    readonly vectors: VectorStore,
    private readonly opts: KnowledgeBaseOptions,
  ) {
    this.parsers = opts.parsers ?? defaultParsers;
    this.hydrate = db.prepare(
      `SELECT c.id, c.text, c.section, c.start, c."end" AS end_, c.doc_id, d.title, d.source
       FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id WHERE c.rowid = ?`,
    );
  }

  static async open(opts: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
    const ownsDb = !opts.db;
    const db = opts.db ?? openSqlite(opts.file ?? ":memory:");
    migrateSqlite(db, "knowledge", knowledgeMigrations);
    const embedder = opts.embedder ?? new HashedNgramEmbedder();
    const vectors = opts.vectorStore ?? new MemoryVectorStore();
    const kb = new KnowledgeBase(db, ownsDb, embedder, vectors, opts);
    await kb.load();
    return kb;
  }

  /** Rebuilds the in-memory indexes from SQLite and embeds chunks that lack a vector. */
  private async load(): Promise<void> {
    this.dataVersion = Number(this.db.pragma("data_version", { simple: true }));
    for (const row of this.db.prepare("SELECT rowid, terms FROM kb_chunks").iterate() as Iterable<{
      rowid: number;
      terms: string;
    }>) {
      this.bm25.add(row.rowid, row.terms ? row.terms.split(" ") : []);
    }
    await this.vectors.init(this.embedder.dim, this.embedder.id);
    if (!this.vectors.persistent) {
      const batch: { key: number; vec: Float32Array }[] = [];
      for (const row of this.db
        .prepare("SELECT chunk_rowid, vec FROM kb_vectors WHERE embedder = ?")
        .iterate(this.embedder.id) as Iterable<{ chunk_rowid: number; vec: Buffer }>) {
        batch.push({
          key: row.chunk_rowid,
          vec: new Float32Array(
            row.vec.buffer.slice(row.vec.byteOffset, row.vec.byteOffset + row.vec.byteLength),
          ),
        });
      }
      await this.vectors.add(batch);
    }
    await this.embedMissing();
  }

  /**
   * Another connection (a second process, or a second KnowledgeBase on the same file) committed
   * changes: SQLite bumps `data_version` for every other connection, so the in-memory indexes
   * are rebuilt before answering. Our own commits do not bump it.
   */
  private async syncExternalChanges(): Promise<void> {
    const v = Number(this.db.pragma("data_version", { simple: true }));
    if (v === this.dataVersion) return;
    this.bm25 = new Bm25Index();
    if (!this.vectors.persistent) await this.vectors.close();
    await this.load();
  }

  /** Chunks stored under another embedder (or none) get vectors now, in batches. */
  async embedMissing(signal?: AbortSignal): Promise<number> {
    const missing = this.db
      .prepare(
        `SELECT c.rowid, c.section, c.kind, c.text, d.title FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id
         WHERE NOT EXISTS (SELECT 1 FROM kb_vectors v WHERE v.chunk_rowid = c.rowid AND v.embedder = ?)`,
      )
      .all(this.embedder.id) as {
      rowid: number;
      section: string;
      kind: string;
      text: string;
      title: string;
    }[];
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO kb_vectors (chunk_rowid, embedder, vec) VALUES (?, ?, ?)",
    );
    for (let i = 0; i < missing.length; i += 256) {
      const part = missing.slice(i, i + 256);
      const vecs = await this.embedder.embed(
        part.map((r) => indexTextOf(r.title, { section: r.section, kind: r.kind as "text", text: r.text })),
        signal,
      );
      this.db.transaction(() => {
        part.forEach((r, j) => {
          insert.run(r.rowid, this.embedder.id, Buffer.from((vecs[j] as Float32Array).buffer));
        });
      })();
      await this.vectors.add(part.map((r, j) => ({ key: r.rowid, vec: vecs[j] as Float32Array })));
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
    for (let i = 0; i < all.length; i += 256) {
      const part = all.slice(i, i + 256);
      const vecs = await this.embedder.embed(
        part.map(({ c, title }) => indexTextOf(title, c)),
        signal,
      );
      part.forEach(({ c }, j) => {
        c.vec = vecs[j];
      });
    }
    return out;
  }

  /**
   * Replaces everything ingested from `source` with `docs`, in one SQLite transaction: a crash
   * or kill leaves either the old version or the new one, never half of each.
   */
  private async commit(
    source: string,
    format: string,
    contentHash: string,
    bytes: number,
    docs: PreparedDoc[],
  ): Promise<{ removed: number[]; added: number }> {
    const oldRows = this.db
      .prepare("SELECT c.rowid FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id WHERE d.source = ?")
      .all(source) as { rowid: number }[];
    const insertDoc = this.db.prepare(
      "INSERT INTO kb_documents (id, source, title, format, content_hash, bytes, text, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const insertChunk = this.db.prepare(
      `INSERT INTO kb_chunks (id, doc_id, ordinal, section, kind, start, "end", text, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertVec = this.db.prepare("INSERT INTO kb_vectors (chunk_rowid, embedder, vec) VALUES (?, ?, ?)");
    const createdAt = this.db
      .prepare("SELECT id, created_at FROM kb_documents WHERE source = ?")
      .all(source) as { id: string; created_at: string }[];
    const created = new Map(createdAt.map((r) => [r.id, r.created_at]));
    const newEntries: { key: number; terms: string[]; vec?: Float32Array }[] = [];
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM kb_documents WHERE source = ?").run(source);
      for (const d of docs) {
        // A fixed id may already belong to another source: the newer ingest wins.
        this.db.prepare("DELETE FROM kb_documents WHERE id = ?").run(d.id);
        insertDoc.run(d.id, source, d.title, format, contentHash, bytes, d.text, d.chunks.length);
        const was = created.get(d.id);
        if (was) this.db.prepare("UPDATE kb_documents SET created_at = ? WHERE id = ?").run(was, d.id);
        for (const c of d.chunks) {
          const info = insertChunk.run(
            c.id,
            d.id,
            c.ordinal,
            c.section,
            c.kind,
            c.start,
            c.end,
            c.text,
            c.terms.join(" "),
          );
          const key = Number(info.lastInsertRowid);
          if (c.vec)
            insertVec.run(
              key,
              this.embedder.id,
              Buffer.from(c.vec.buffer, c.vec.byteOffset, c.vec.byteLength),
            );
          newEntries.push({ key, terms: c.terms, vec: c.vec });
        }
      }
    })();
    const removed = oldRows.map((r) => r.rowid);
    for (const k of removed) this.bm25.remove(k);
    await this.vectors.remove(removed);
    for (const e of newEntries) this.bm25.add(e.key, e.terms);
    await this.vectors.add(
      newEntries.filter((e) => e.vec).map((e) => ({ key: e.key, vec: e.vec as Float32Array })),
    );
    return { removed, added: newEntries.length };
  }

  private previousHash(source: string): string | undefined {
    const row = this.db
      .prepare("SELECT content_hash FROM kb_documents WHERE source = ? LIMIT 1")
      .get(source) as { content_hash: string } | undefined;
    return row?.content_hash;
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
    const before = this.previousHash(source);
    if (before === hash) {
      const n = this.db
        .prepare("SELECT count(*) AS n, coalesce(sum(chunk_count),0) AS c FROM kb_documents WHERE source = ?")
        .get(source) as { n: number; c: number };
      return { ...base, status: "unchanged", documents: n.n, chunks: n.c };
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
      if (signal?.aborted) throw err;
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
        if (opts.signal?.aborted) throw err;
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
    const before = this.previousHash(source);
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
      const before = this.previousHash(source);
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
    const rows = this.db.prepare("SELECT rowid FROM kb_chunks WHERE doc_id = ?").all(docId) as {
      rowid: number;
    }[];
    const info = this.db.prepare("DELETE FROM kb_documents WHERE id = ?").run(docId);
    for (const r of rows) this.bm25.remove(r.rowid);
    await this.vectors.remove(rows.map((r) => r.rowid));
    return info.changes > 0;
  }

  /** Documents, newest first. `query` filters by title or source substring. */
  list(opts: { limit?: number; offset?: number; query?: string } = {}): DocumentInfo[] {
    const like = `%${(opts.query ?? "").replace(/[%_]/g, (m) => `\\${m}`)}%`;
    const rows = this.db
      .prepare(
        `SELECT id, source, title, format, content_hash, bytes, chunk_count, created_at, updated_at FROM kb_documents
         WHERE title LIKE ? ESCAPE '\\' OR source LIKE ? ESCAPE '\\' ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`,
      )
      .all(like, like, opts.limit ?? 1000, opts.offset ?? 0) as Record<string, string | number>[];
    return rows.map((r) => ({
      id: String(r.id),
      source: String(r.source),
      title: String(r.title),
      format: String(r.format),
      contentHash: String(r.content_hash),
      bytes: Number(r.bytes),
      chunkCount: Number(r.chunk_count),
      createdAt: String(r.created_at),
      updatedAt: String(r.updated_at),
    }));
  }

  get(docId: string): (DocumentInfo & { text: string }) | undefined {
    const info = this.list({ limit: 1e9 }).find((d) => d.id === docId);
    if (!info) return undefined;
    const row = this.db.prepare("SELECT text FROM kb_documents WHERE id = ?").get(docId) as { text: string };
    return { ...info, text: row.text };
  }

  async stats(): Promise<KnowledgeStats> {
    const d = this.db
      .prepare("SELECT count(*) AS n, coalesce(sum(bytes),0) AS b FROM kb_documents")
      .get() as { n: number; b: number };
    const c = this.db.prepare("SELECT count(*) AS n FROM kb_chunks").get() as { n: number };
    return {
      documents: d.n,
      chunks: c.n,
      bytes: d.b,
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
    if (!query.trim()) return [];
    opts.signal?.throwIfAborted();
    await this.syncExternalChanges();
    const depth = this.opts.reranker ? Math.max(k * 4, 20) : k;
    const pool = Math.max(depth * 4, 50);
    let ranked: { key: number; score: number }[];
    if (mode === "bm25") ranked = this.bm25.search(analyze(query, this.opts.analyzer), depth);
    else {
      const [qv] = await this.embedder.embed([query], opts.signal);
      const vec = await this.vectors.search(qv as Float32Array, mode === "vector" ? depth : pool);
      ranked =
        mode === "vector"
          ? vec
          : reciprocalRankFusion([
              { hits: this.bm25.search(analyze(query, this.opts.analyzer), pool) },
              { hits: vec },
            ]).slice(0, depth);
    }
    let hits = ranked.flatMap((r) => {
      const row = this.hydrate.get(r.key) as
        | {
            id: string;
            text: string;
            section: string;
            start: number;
            end_: number;
            doc_id: string;
            title: string;
            source: string;
          }
        | undefined;
      if (!row) return [];
      const hit: SearchHit = {
        chunkId: row.id,
        text: row.text,
        score: r.score,
        citation: {
          docId: row.doc_id,
          title: row.title,
          source: row.source,
          section: row.section || undefined,
          start: row.start,
          end: row.end_,
        },
      };
      return [hit];
    });
    if (this.opts.reranker) hits = (await this.opts.reranker.rerank(query, hits, opts.signal)).slice(0, k);
    return hits;
  }

  /** The chunk texts and ids, for exports and evaluation. */
  *chunks(): Iterable<{ chunkId: string; docId: string; text: string; section: string }> {
    for (const r of this.db
      .prepare("SELECT id, doc_id, text, section FROM kb_chunks ORDER BY rowid")
      .iterate() as Iterable<{ id: string; doc_id: string; text: string; section: string }>) {
      yield { chunkId: r.id, docId: r.doc_id, text: r.text, section: r.section };
    }
  }

  requireDocument(docId: string): DocumentInfo & { text: string } {
    const d = this.get(docId);
    if (!d) throw new NotFoundError(`No document with id ${docId}`, "document_not_found", "id");
    return d;
  }

  async close(): Promise<void> {
    await this.vectors.close();
    if (this.ownsDb) this.db.close();
  }
}

export function openKnowledgeBase(opts: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  return KnowledgeBase.open(opts);
}
