import { migrateSqlite, openSqlite, type SqliteDatabase } from "@seekdesk/store";
import { knowledgeMigrations } from "../schema.ts";
import type { DocumentInfo } from "../types.ts";
import type { ChunkRow, KnowledgeStore, ReplaceSourceInput, StoreChange } from "./types.ts";

interface RawChunkRow {
  rowid: number;
  id: string;
  doc_id: string;
  title: string;
  source: string;
  section: string;
  kind: string;
  text: string;
  start: number;
  end_: number;
}

const CHUNK_COLUMNS = `c.rowid, c.id, c.doc_id, d.title, d.source, c.section, c.kind, c.text, c.start, c."end" AS end_`;

function toChunkRow(r: RawChunkRow): ChunkRow {
  return {
    key: r.rowid,
    id: r.id,
    docId: r.doc_id,
    title: r.title,
    source: r.source,
    section: r.section,
    kind: r.kind,
    text: r.text,
    start: r.start,
    end: r.end_,
  };
}

function toDocumentInfo(r: Record<string, string | number>): DocumentInfo {
  return {
    id: String(r.id),
    source: String(r.source),
    title: String(r.title),
    format: String(r.format),
    contentHash: String(r.content_hash),
    bytes: Number(r.bytes),
    chunkCount: Number(r.chunk_count),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

const DOCUMENT_COLUMNS =
  "id, source, title, format, content_hash, bytes, chunk_count, created_at, updated_at";

/**
 * The default store: one SQLite file (or `:memory:`), vectors as float32 blobs per embedder.
 * better-sqlite3 is synchronous; the async methods only satisfy the shared interface.
 */
export class SqliteKnowledgeStore implements KnowledgeStore {
  readonly kind = "sqlite";
  private seenVersion = -1;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly ownsDb: boolean,
  ) {}

  /** `file` is created if missing (default `:memory:`); an open `db` is migrated and left open on close. */
  static open(opts: { file?: string; db?: SqliteDatabase } = {}): SqliteKnowledgeStore {
    const db = opts.db ?? openSqlite(opts.file ?? ":memory:");
    migrateSqlite(db, "knowledge", knowledgeMigrations);
    return new SqliteKnowledgeStore(db, !opts.db);
  }

  // SQLite bumps `data_version` for every other connection's commit, never for our own.
  async externalChanges(): Promise<boolean> {
    const v = Number(this.db.pragma("data_version", { simple: true }));
    const changed = v !== this.seenVersion;
    this.seenVersion = v;
    return changed;
  }

  async contentHash(source: string): Promise<string | undefined> {
    const row = this.db
      .prepare("SELECT content_hash FROM kb_documents WHERE source = ? LIMIT 1")
      .get(source) as { content_hash: string } | undefined;
    return row?.content_hash;
  }

  async sourceTotals(source: string): Promise<{ documents: number; chunks: number }> {
    const n = this.db
      .prepare("SELECT count(*) AS n, coalesce(sum(chunk_count),0) AS c FROM kb_documents WHERE source = ?")
      .get(source) as { n: number; c: number };
    return { documents: n.n, chunks: n.c };
  }

  async replaceSource(input: ReplaceSourceInput): Promise<StoreChange> {
    const { source, docs } = input;
    const ids = docs.map((d) => d.id);
    const oldRows = this.db
      .prepare(
        `SELECT c.rowid FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id
         WHERE d.source = ? OR d.id IN (SELECT value FROM json_each(?))`,
      )
      .all(source, JSON.stringify(ids)) as { rowid: number }[];
    const insertDoc = this.db.prepare(
      "INSERT INTO kb_documents (id, source, title, format, content_hash, bytes, text, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const insertChunk = this.db.prepare(
      `INSERT INTO kb_chunks (id, doc_id, ordinal, section, kind, start, "end", text, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertVec = this.db.prepare("INSERT INTO kb_vectors (chunk_rowid, embedder, vec) VALUES (?, ?, ?)");
    const created = new Map(
      (
        this.db.prepare("SELECT id, created_at FROM kb_documents WHERE source = ?").all(source) as {
          id: string;
          created_at: string;
        }[]
      ).map((r) => [r.id, r.created_at]),
    );
    const added: StoreChange["added"] = [];
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM kb_documents WHERE source = ?").run(source);
      for (const d of docs) {
        // A fixed id may already belong to another source: the newer ingest wins.
        this.db.prepare("DELETE FROM kb_documents WHERE id = ?").run(d.id);
        insertDoc.run(
          d.id,
          source,
          d.title,
          input.format,
          input.contentHash,
          input.bytes,
          d.text,
          d.chunks.length,
        );
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
              input.embedderId,
              Buffer.from(c.vec.buffer, c.vec.byteOffset, c.vec.byteLength),
            );
          added.push({ key, terms: c.terms, vec: c.vec });
        }
      }
    })();
    return { removed: oldRows.map((r) => r.rowid), added };
  }

  async removeDocument(docId: string): Promise<{ deleted: boolean; removed: number[] }> {
    const rows = this.db.prepare("SELECT rowid FROM kb_chunks WHERE doc_id = ?").all(docId) as {
      rowid: number;
    }[];
    const info = this.db.prepare("DELETE FROM kb_documents WHERE id = ?").run(docId);
    return { deleted: info.changes > 0, removed: rows.map((r) => r.rowid) };
  }

  async listDocuments(opts: { limit: number; offset: number; query?: string }): Promise<DocumentInfo[]> {
    const like = `%${(opts.query ?? "").replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    const rows = this.db
      .prepare(
        `SELECT ${DOCUMENT_COLUMNS} FROM kb_documents
         WHERE title LIKE ? ESCAPE '\\' OR source LIKE ? ESCAPE '\\' ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`,
      )
      .all(like, like, opts.limit, opts.offset) as Record<string, string | number>[];
    return rows.map(toDocumentInfo);
  }

  async getDocument(docId: string): Promise<(DocumentInfo & { text: string }) | undefined> {
    const row = this.db
      .prepare(`SELECT ${DOCUMENT_COLUMNS}, text FROM kb_documents WHERE id = ?`)
      .get(docId) as Record<string, string | number> | undefined;
    return row ? { ...toDocumentInfo(row), text: String(row.text) } : undefined;
  }

  async totals(): Promise<{ documents: number; chunks: number; bytes: number }> {
    const d = this.db
      .prepare("SELECT count(*) AS n, coalesce(sum(bytes),0) AS b FROM kb_documents")
      .get() as { n: number; b: number };
    const c = this.db.prepare("SELECT count(*) AS n FROM kb_chunks").get() as { n: number };
    return { documents: d.n, chunks: c.n, bytes: d.b };
  }

  async chunkRows(keys: readonly number[]): Promise<Map<number, ChunkRow>> {
    const rows = this.db
      .prepare(
        `SELECT ${CHUNK_COLUMNS} FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id
         WHERE c.rowid IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(keys)) as RawChunkRow[];
    return new Map(rows.map((r) => [r.rowid, toChunkRow(r)]));
  }

  async *chunkTerms(): AsyncIterable<{ key: number; terms: string[] }> {
    // Collected first: an open better-sqlite3 iterator makes every other statement on this
    // connection fail while the consumer awaits between rows.
    const rows = this.db.prepare("SELECT rowid, terms FROM kb_chunks").all() as {
      rowid: number;
      terms: string;
    }[];
    for (const row of rows) yield { key: row.rowid, terms: row.terms ? row.terms.split(" ") : [] };
  }

  async *storedVectors(embedderId: string): AsyncIterable<{ key: number; vec: Float32Array }> {
    const rows = this.db
      .prepare("SELECT chunk_rowid, vec FROM kb_vectors WHERE embedder = ?")
      .all(embedderId) as { chunk_rowid: number; vec: Buffer }[];
    for (const row of rows) {
      yield {
        key: row.chunk_rowid,
        vec: new Float32Array(
          row.vec.buffer.slice(row.vec.byteOffset, row.vec.byteOffset + row.vec.byteLength),
        ),
      };
    }
  }

  async chunksWithoutVector(embedderId: string): Promise<ChunkRow[]> {
    const rows = this.db
      .prepare(
        `SELECT ${CHUNK_COLUMNS} FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id
         WHERE NOT EXISTS (SELECT 1 FROM kb_vectors v WHERE v.chunk_rowid = c.rowid AND v.embedder = ?)`,
      )
      .all(embedderId) as RawChunkRow[];
    return rows.map(toChunkRow);
  }

  async putVectors(
    embedderId: string,
    entries: readonly { key: number; vec: Float32Array }[],
  ): Promise<void> {
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO kb_vectors (chunk_rowid, embedder, vec) VALUES (?, ?, ?)",
    );
    this.db.transaction(() => {
      for (const e of entries)
        insert.run(e.key, embedderId, Buffer.from(e.vec.buffer, e.vec.byteOffset, e.vec.byteLength));
    })();
  }

  async *chunks(): AsyncIterable<{ chunkId: string; docId: string; text: string; section: string }> {
    const rows = this.db.prepare("SELECT id, doc_id, text, section FROM kb_chunks ORDER BY rowid").all() as {
      id: string;
      doc_id: string;
      text: string;
      section: string;
    }[];
    for (const r of rows) yield { chunkId: r.id, docId: r.doc_id, text: r.text, section: r.section };
  }

  async documentChunks(docId: string): Promise<ChunkRow[]> {
    const rows = this.db
      .prepare(
        `SELECT ${CHUNK_COLUMNS} FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id
         WHERE c.doc_id = ? ORDER BY c.ordinal, c.rowid`,
      )
      .all(docId) as RawChunkRow[];
    return rows.map(toChunkRow);
  }

  async close(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
