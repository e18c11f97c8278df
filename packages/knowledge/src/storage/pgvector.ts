import { createHash } from "node:crypto";
import type { PostgresDatabase } from "@seekdesk/store";
import type pg from "pg";
import type { Scored } from "../index/topk.ts";
import type { VectorStore } from "../index/vector-store.ts";
import { dimensionMismatch, storedDimensionMismatch } from "./types.ts";

/** pgvector's text form, `[0.1,0.2,...]`; float32 values print exactly and parse back exactly. */
export function toPgVector(vec: Float32Array): string {
  return `[${Array.from(vec).join(",")}]`;
}

export function fromPgVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(","), Number);
}

const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

// pgvector's HNSW returns at most `hnsw.ef_search` rows per scan; 1000 is its upper bound.
const MAX_EF_SEARCH = 1000;

/**
 * Chunk vectors in Postgres, searched by pgvector's HNSW index (cosine). The rows are written by
 * `PostgresKnowledgeStore` in the same transaction as their chunks, so the store is `persistent`
 * and the knowledge base neither loads nor mirrors them; `add`/`remove` exist for direct use.
 *
 * Each embedder has its own partial index, `USING hnsw ((embedding::vector(d)) vector_cosine_ops)
 * WHERE embedder = '<id>'`; queries repeat that expression and predicate literally, which is
 * what lets the planner pick the index.
 */
export class PgVectorStore implements VectorStore {
  readonly name = "pgvector";
  readonly persistent = true;
  private dim = 0;
  private embedder = "";

  constructor(
    /** The knowledge store's database, which closes it. */
    private readonly database: PostgresDatabase,
    /** The quoted schema, e.g. `"public"`. */
    private readonly schema: string,
  ) {}

  private get pool(): pg.Pool {
    return this.database.pool;
  }

  private get typed(): string {
    return `(embedding::vector(${this.dim}))`;
  }

  private get predicate(): string {
    return `embedder = ${quoteLiteral(this.embedder)}`;
  }

  private get indexName(): string {
    return `kb_vectors_hnsw_${createHash("sha256").update(this.embedder).digest("hex").slice(0, 16)}`;
  }

  /** Checks stored vectors against `dim` and creates the embedder's HNSW index if missing. */
  async init(dim: number, embedderId: string): Promise<void> {
    // The knowledge base re-inits on every reload after another server's write; once is enough.
    if (this.dim === dim && this.embedder === embedderId) return;
    this.dim = dim;
    this.embedder = embedderId;
    const s = this.schema;
    try {
      await this.database.transaction(async (client) => {
        // Servers starting together must not race on CREATE INDEX.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`seekdesk:kb-index:${s}`]);
        const { rows } = await client.query<{ d: number }>(
          `SELECT vector_dims(embedding) AS d FROM ${s}.kb_vectors WHERE embedder = $1 LIMIT 1`,
          [embedderId],
        );
        const stored = rows[0]?.d;
        if (stored !== undefined && stored !== dim)
          throw new Error(
            `${storedDimensionMismatch(embedderId, stored, dim)} ` +
              `(DELETE FROM ${s}.kb_vectors WHERE embedder = ${quoteLiteral(embedderId)})`,
          );
        const index = await client.query<{ indexdef: string }>(
          "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
          [s.slice(1, -1), this.indexName],
        );
        const def = index.rows[0]?.indexdef;
        // An index for the same embedder id at another dimension would reject every new row.
        if (def && !def.includes(`vector(${dim})`)) await client.query(`DROP INDEX ${s}.${this.indexName}`);
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${this.indexName} ON ${s}.kb_vectors
         USING hnsw (${this.typed} vector_cosine_ops) WHERE ${this.predicate}`,
        );
      });
    } catch (err) {
      this.dim = 0;
      this.embedder = "";
      throw err;
    }
  }

  private check(vec: Float32Array): void {
    if (!this.embedder) throw new Error("vector store used before init()");
    if (vec.length !== this.dim) throw new Error(dimensionMismatch(this.embedder, vec.length, this.dim));
  }

  async add(entries: readonly { key: number; vec: Float32Array }[]): Promise<void> {
    for (const e of entries) this.check(e.vec);
    if (entries.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${this.schema}.kb_vectors (chunk_key, embedder, embedding)
       SELECT k, $2, v::vector FROM unnest($1::bigint[], $3::text[]) AS t(k, v)
       ON CONFLICT (chunk_key, embedder) DO UPDATE SET embedding = EXCLUDED.embedding`,
      [entries.map((e) => e.key), this.embedder, entries.map((e) => toPgVector(e.vec))],
    );
  }

  async remove(keys: readonly number[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `DELETE FROM ${this.schema}.kb_vectors WHERE chunk_key = ANY($1::bigint[]) AND embedder = $2`,
      [keys, this.embedder],
    );
  }

  async search(vec: Float32Array, k: number): Promise<Scored[]> {
    this.check(vec);
    if (k <= 0) return [];
    // set_config(…, true) lasts for the transaction: the search runs in one of its own.
    const rows = await this.database.transaction(async (client) => {
      await client.query("SELECT set_config('hnsw.ef_search', $1, true)", [
        String(Math.min(MAX_EF_SEARCH, Math.max(40, k))),
      ]);
      const { rows } = await client.query<{ key: string; score: number }>(
        `SELECT chunk_key AS key, 1 - (${this.typed} <=> $1::vector(${this.dim})) AS score
         FROM ${this.schema}.kb_vectors WHERE ${this.predicate}
         ORDER BY ${this.typed} <=> $1::vector(${this.dim}) LIMIT $2`,
        [toPgVector(vec), k],
      );
      return rows;
    });
    // Ties (orthogonal vectors all score 0) in key order, as the in-memory index gives them.
    return rows
      .map((r) => ({ key: Number(r.key), score: Number(r.score) }))
      .sort((x, y) => y.score - x.score || x.key - y.key);
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.schema}.kb_vectors WHERE embedder = $1`,
      [this.embedder],
    );
    return Number(rows[0]?.n ?? 0);
  }

  usesAnn(): boolean {
    return true;
  }

  /** The database belongs to the knowledge store, which closes it. */
  async close(): Promise<void> {}
}
