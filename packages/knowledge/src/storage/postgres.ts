import { StoreUnavailableError, type StoreUnavailableReason } from "@seekdesk/core";
import { migratePostgres, type PostgresDatabase, postgresDatabaseFor } from "@seekdesk/store";
import type pg from "pg";
import type { VectorStore } from "../index/vector-store.ts";
import type { DocumentInfo } from "../types.ts";
import { fromPgVector, PgVectorStore, toPgVector } from "./pgvector.ts";
import { checkSchemaName, knowledgeMigrationDomain, postgresKnowledgeMigrations } from "./postgres-schema.ts";
import type { ChunkRow, KnowledgeStore, ReplaceSourceInput, StoreChange } from "./types.ts";

export interface PostgresKnowledgeStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema for the kb_* tables, created if missing. Default `public`. */
  schema?: string;
  /** Pool size of the store's own pool. Default 5. */
  max?: number;
  /**
   * How long a query of the store's own pool waits for a free connection, or for a new one to
   * connect, before it fails with StoreUnavailableError (as `store.acquireTimeoutMs` does for the
   * main store). Default 5000.
   */
  acquireTimeoutMs?: number;
  /** Hears each query of the store's own pool that failed with StoreUnavailableError (a metric). */
  onUnavailable?: (reason: StoreUnavailableReason) => void;
  /** Given the store's own pool once it is open and migrated (to show it on /metrics). */
  onOwnPool?: (db: PostgresDatabase) => void;
  /**
   * The process's shared handle on this same database (the server's `store.url`): its pool is
   * used, and left open on close, instead of a pool of `max` connections of the store's own.
   */
  database?: PostgresDatabase;
}

/** The URL with its password masked, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * `CREATE EXTENSION IF NOT EXISTS vector`, with the two failures an operator meets turned into
 * one line each: the extension is not installed on the server, or this role may not create it.
 */
export async function ensurePgvector(pool: pg.Pool): Promise<void> {
  try {
    await pool.query("CREATE EXTENSION IF NOT EXISTS vector");
  } catch (err) {
    const e = err as Error & { code?: string };
    // 0A000: `extension "vector" is not available` (PostgreSQL 15+); 58P01: no control file (older).
    if (e.code === "0A000" || e.code === "58P01")
      throw new Error(
        `pgvector is not installed on this server: ${e.message}. Install the pgvector extension on the ` +
          "Postgres server (e.g. the postgresql-<major>-pgvector package, or an image that ships it), " +
          "or keep the knowledge base on SQLite (knowledge.store.driver: sqlite)",
        { cause: err },
      );
    if (e.code === "42501")
      throw new Error(
        `pgvector is installed but this role may not enable it: ${e.message}. Run ` +
          "CREATE EXTENSION vector once in this database as a superuser",
        { cause: err },
      );
    throw err;
  }
}

interface RawChunkRow {
  key: string;
  id: string;
  doc_id: string;
  title: string;
  source: string;
  section: string;
  kind: string;
  text: string;
  start_offset: number;
  end_offset: number;
}

function toChunkRow(r: RawChunkRow): ChunkRow {
  return {
    key: Number(r.key),
    id: r.id,
    docId: r.doc_id,
    title: r.title,
    source: r.source,
    section: r.section,
    kind: r.kind,
    text: r.text,
    start: r.start_offset,
    end: r.end_offset,
  };
}

interface RawDocumentRow {
  id: string;
  source: string;
  title: string;
  format: string;
  content_hash: string;
  bytes: string;
  chunk_count: number;
  created_at: Date;
  updated_at: Date;
  text?: string;
}

function toDocumentInfo(r: RawDocumentRow): DocumentInfo {
  return {
    id: r.id,
    source: r.source,
    title: r.title,
    format: r.format,
    contentHash: r.content_hash,
    bytes: Number(r.bytes),
    chunkCount: r.chunk_count,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const DOCUMENT_COLUMNS =
  "id, source, title, format, content_hash, bytes, chunk_count, created_at, updated_at";
const CHUNK_COLUMNS =
  "c.key, c.id, c.doc_id, d.title, d.source, c.section, c.kind, c.text, c.start_offset, c.end_offset";
// Rows per INSERT: keeps one statement's parameters (vectors as text) to a few megabytes.
const BATCH = 500;

/** `err` (a driver error, or the pool's StoreUnavailableError around one) in the driver's words. */
function driverText(err: unknown): string {
  const e = err instanceof StoreUnavailableError ? err.cause : err;
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map(driverText).join("; ");
  return e instanceof Error ? e.message : String(e);
}

/**
 * Connects, enables pgvector, migrates the kb_* tables and returns the store. Its own pool is the
 * store package's PostgresDatabase, so an outage or a full pool fails a query with
 * StoreUnavailableError (503 store_unavailable over HTTP) exactly as the main store's does.
 */
export async function openPostgresKnowledgeStore(
  opts: PostgresKnowledgeStoreOptions,
): Promise<PostgresKnowledgeStore> {
  const schema = opts.schema ?? "public";
  const quoted = checkSchemaName(schema);
  const { db, owned } = postgresDatabaseFor(opts.database ?? opts.url, {
    poolSize: opts.max ?? 5,
    ...(opts.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: opts.acquireTimeoutMs }),
  });
  // A shared handle is the gateway's to count; only our own pool's failures are reported here.
  if (owned && opts.onUnavailable) db.onUnavailable(opts.onUnavailable);
  const pool = db.pool;
  try {
    try {
      await pool.query("SELECT 1");
    } catch (err) {
      const message = `cannot reach the knowledge base's Postgres at ${redactUrl(opts.url)}: ${driverText(err)}`;
      throw err instanceof StoreUnavailableError
        ? new StoreUnavailableError(err.reason, { message, cause: err.cause })
        : new Error(message, { cause: err });
    }
    await ensurePgvector(pool);
    if (schema !== "public") await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await migratePostgres(pool, knowledgeMigrationDomain(schema), postgresKnowledgeMigrations(schema));
  } catch (err) {
    if (owned) await db.close();
    throw err;
  }
  if (owned) opts.onOwnPool?.(db);
  return new PostgresKnowledgeStore(db, quoted, owned);
}

/**
 * Documents and chunks in Postgres, vectors in pgvector (`PgVectorStore`). BM25 stays in the
 * knowledge base's process, built from the stored terms exactly as with SQLite, so both backends
 * rank the same. `kb_state.generation` stands in for SQLite's `data_version`: every write bumps
 * it, and a value this process did not produce means another server wrote.
 */
export class PostgresKnowledgeStore implements KnowledgeStore {
  readonly kind = "postgres";
  readonly pool: pg.Pool;
  private seenGeneration = -1;

  constructor(
    readonly database: PostgresDatabase,
    /** The quoted schema name. */
    private readonly s: string,
    /** The database is the store's own, so `close` ends it (a shared one is closed by its opener). */
    private readonly ownsDatabase = true,
  ) {
    this.pool = database.pool;
  }

  /** A write: `fn` and the generation bump commit together. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const { out, generation } = await this.database.transaction(async (client) => {
      const out = await fn(client);
      const { rows } = await client.query<{ generation: string }>(
        `UPDATE ${this.s}.kb_state SET generation = generation + 1 RETURNING generation`,
      );
      return { out, generation: Number(rows[0]?.generation) };
    });
    // The row lock orders writers: seen + 1 means nobody else wrote since we last looked.
    if (generation === this.seenGeneration + 1) this.seenGeneration = generation;
    return out;
  }

  async externalChanges(): Promise<boolean> {
    const { rows } = await this.pool.query<{ generation: string }>(
      `SELECT generation FROM ${this.s}.kb_state`,
    );
    const g = Number(rows[0]?.generation);
    const changed = g !== this.seenGeneration;
    this.seenGeneration = g;
    return changed;
  }

  async contentHash(source: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ content_hash: string }>(
      `SELECT content_hash FROM ${this.s}.kb_documents WHERE source = $1 LIMIT 1`,
      [source],
    );
    return rows[0]?.content_hash;
  }

  async sourceTotals(source: string): Promise<{ documents: number; chunks: number }> {
    const { rows } = await this.pool.query<{ n: string; c: string }>(
      `SELECT count(*) AS n, coalesce(sum(chunk_count), 0) AS c FROM ${this.s}.kb_documents WHERE source = $1`,
      [source],
    );
    return { documents: Number(rows[0]?.n ?? 0), chunks: Number(rows[0]?.c ?? 0) };
  }

  async replaceSource(input: ReplaceSourceInput): Promise<StoreChange> {
    const { source, docs } = input;
    const ids = docs.map((d) => d.id);
    const s = this.s;
    return this.tx(async (c) => {
      // Two servers ingesting the same source queue up instead of interleaving.
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`seekdesk:kb:${s}:${source}`]);
      const old = await c.query<{ key: string }>(
        `SELECT c.key FROM ${s}.kb_chunks c JOIN ${s}.kb_documents d ON d.id = c.doc_id
         WHERE d.source = $1 OR d.id = ANY($2::text[])`,
        [source, ids],
      );
      const created = await c.query<{ id: string; created_at: Date }>(
        `SELECT id, created_at FROM ${s}.kb_documents WHERE source = $1`,
        [source],
      );
      const createdAt = new Map(created.rows.map((r) => [r.id, r.created_at]));
      // A fixed id may already belong to another source: the newer ingest wins.
      await c.query(`DELETE FROM ${s}.kb_documents WHERE source = $1 OR id = ANY($2::text[])`, [source, ids]);
      await c.query(
        `INSERT INTO ${s}.kb_documents (id, source, title, format, content_hash, bytes, text, chunk_count, created_at)
         SELECT id, $1, title, $2, $3, $4, text, n, coalesce(created, now())
         FROM unnest($5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[]) AS t(id, title, text, n, created)`,
        [
          source,
          input.format,
          input.contentHash,
          input.bytes,
          ids,
          docs.map((d) => d.title),
          docs.map((d) => d.text),
          docs.map((d) => d.chunks.length),
          docs.map((d) => createdAt.get(d.id) ?? null),
        ],
      );
      const chunks = docs.flatMap((d) => d.chunks.map((ch) => ({ ...ch, docId: d.id })));
      const added: StoreChange["added"] = [];
      for (let i = 0; i < chunks.length; i += BATCH) {
        const part = chunks.slice(i, i + BATCH);
        const { rows } = await c.query<{ key: string; id: string }>(
          `INSERT INTO ${s}.kb_chunks (id, doc_id, ordinal, section, kind, start_offset, end_offset, text, terms)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::int[],
                                $8::text[], $9::text[])
           RETURNING key, id`,
          [
            part.map((x) => x.id),
            part.map((x) => x.docId),
            part.map((x) => x.ordinal),
            part.map((x) => x.section),
            part.map((x) => x.kind),
            part.map((x) => x.start),
            part.map((x) => x.end),
            part.map((x) => x.text),
            part.map((x) => x.terms.join(" ")),
          ],
        );
        const keyOf = new Map(rows.map((r) => [r.id, Number(r.key)]));
        const withVec: { key: number; vec: Float32Array }[] = [];
        for (const x of part) {
          const key = keyOf.get(x.id) as number;
          added.push({ key, terms: x.terms, vec: x.vec });
          if (x.vec) withVec.push({ key, vec: x.vec });
        }
        if (withVec.length > 0)
          await c.query(
            `INSERT INTO ${s}.kb_vectors (chunk_key, embedder, embedding)
             SELECT k, $2, v::vector FROM unnest($1::bigint[], $3::text[]) AS t(k, v)`,
            [withVec.map((e) => e.key), input.embedderId, withVec.map((e) => toPgVector(e.vec))],
          );
      }
      return { removed: old.rows.map((r) => Number(r.key)), added };
    });
  }

  async removeDocument(docId: string): Promise<{ deleted: boolean; removed: number[] }> {
    return this.tx(async (c) => {
      const { rows } = await c.query<{ key: string }>(
        `SELECT key FROM ${this.s}.kb_chunks WHERE doc_id = $1`,
        [docId],
      );
      const del = await c.query(`DELETE FROM ${this.s}.kb_documents WHERE id = $1`, [docId]);
      return { deleted: (del.rowCount ?? 0) > 0, removed: rows.map((r) => Number(r.key)) };
    });
  }

  async listDocuments(opts: { limit: number; offset: number; query?: string }): Promise<DocumentInfo[]> {
    const like = `%${(opts.query ?? "").replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    // ILIKE: SQLite's LIKE ignores ASCII case, and both backends must list the same documents.
    const { rows } = await this.pool.query<RawDocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM ${this.s}.kb_documents
       WHERE title ILIKE $1 ESCAPE '\\' OR source ILIKE $1 ESCAPE '\\'
       ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3`,
      [like, opts.limit, opts.offset],
    );
    return rows.map(toDocumentInfo);
  }

  async getDocument(docId: string): Promise<(DocumentInfo & { text: string }) | undefined> {
    const { rows } = await this.pool.query<RawDocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS}, text FROM ${this.s}.kb_documents WHERE id = $1`,
      [docId],
    );
    const r = rows[0];
    return r ? { ...toDocumentInfo(r), text: r.text ?? "" } : undefined;
  }

  async totals(): Promise<{ documents: number; chunks: number; bytes: number }> {
    const { rows } = await this.pool.query<{ n: string; b: string; c: string }>(
      `SELECT (SELECT count(*) FROM ${this.s}.kb_documents) AS n,
              (SELECT coalesce(sum(bytes), 0) FROM ${this.s}.kb_documents) AS b,
              (SELECT count(*) FROM ${this.s}.kb_chunks) AS c`,
    );
    const r = rows[0];
    return { documents: Number(r?.n ?? 0), chunks: Number(r?.c ?? 0), bytes: Number(r?.b ?? 0) };
  }

  async chunkRows(keys: readonly number[]): Promise<Map<number, ChunkRow>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${this.s}.kb_chunks c JOIN ${this.s}.kb_documents d ON d.id = c.doc_id
       WHERE c.key = ANY($1::bigint[])`,
      [keys],
    );
    return new Map(rows.map((r) => [Number(r.key), toChunkRow(r)]));
  }

  async *chunkTerms(): AsyncIterable<{ key: number; terms: string[] }> {
    const { rows } = await this.pool.query<{ key: string; terms: string }>(
      `SELECT key, terms FROM ${this.s}.kb_chunks`,
    );
    for (const r of rows) yield { key: Number(r.key), terms: r.terms ? r.terms.split(" ") : [] };
  }

  async *storedVectors(embedderId: string): AsyncIterable<{ key: number; vec: Float32Array }> {
    const { rows } = await this.pool.query<{ key: string; v: string }>(
      `SELECT chunk_key AS key, embedding::text AS v FROM ${this.s}.kb_vectors WHERE embedder = $1`,
      [embedderId],
    );
    for (const r of rows) yield { key: Number(r.key), vec: fromPgVector(r.v) };
  }

  async chunksWithoutVector(embedderId: string): Promise<ChunkRow[]> {
    const { rows } = await this.pool.query<RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${this.s}.kb_chunks c JOIN ${this.s}.kb_documents d ON d.id = c.doc_id
       WHERE NOT EXISTS (SELECT 1 FROM ${this.s}.kb_vectors v WHERE v.chunk_key = c.key AND v.embedder = $1)
       ORDER BY c.key`,
      [embedderId],
    );
    return rows.map(toChunkRow);
  }

  async putVectors(
    embedderId: string,
    entries: readonly { key: number; vec: Float32Array }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.tx(async (c) => {
      for (let i = 0; i < entries.length; i += BATCH) {
        const part = entries.slice(i, i + BATCH);
        // Chunks deleted since they were read are skipped rather than failing the batch.
        await c.query(
          `INSERT INTO ${this.s}.kb_vectors (chunk_key, embedder, embedding)
           SELECT k, $2, v::vector FROM unnest($1::bigint[], $3::text[]) AS t(k, v)
           WHERE EXISTS (SELECT 1 FROM ${this.s}.kb_chunks WHERE key = t.k)
           ON CONFLICT (chunk_key, embedder) DO UPDATE SET embedding = EXCLUDED.embedding`,
          [part.map((e) => e.key), embedderId, part.map((e) => toPgVector(e.vec))],
        );
      }
    });
  }

  async *chunks(): AsyncIterable<{ chunkId: string; docId: string; text: string; section: string }> {
    const { rows } = await this.pool.query<{ id: string; doc_id: string; text: string; section: string }>(
      `SELECT id, doc_id, text, section FROM ${this.s}.kb_chunks ORDER BY key`,
    );
    for (const r of rows) yield { chunkId: r.id, docId: r.doc_id, text: r.text, section: r.section };
  }

  /** One document's chunks in order (the SQLite store has the same method). */
  async documentChunks(docId: string): Promise<ChunkRow[]> {
    const { rows } = await this.pool.query<RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${this.s}.kb_chunks c JOIN ${this.s}.kb_documents d ON d.id = c.doc_id
       WHERE c.doc_id = $1 ORDER BY c.ordinal, c.key`,
      [docId],
    );
    return rows.map(toChunkRow);
  }

  vectorStore(): VectorStore {
    return new PgVectorStore(this.database, this.s);
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
