import type { Chunk } from "../chunk.ts";
import type { VectorStore } from "../index/vector-store.ts";
import type { DocumentInfo } from "../types.ts";

/** One chunk ready to store: its analysed terms (for BM25) and, once embedded, its vector. */
export interface PreparedChunk {
  id: string;
  ordinal: number;
  section: string;
  kind: Chunk["kind"];
  start: number;
  end: number;
  text: string;
  terms: string[];
  vec?: Float32Array;
}

export interface PreparedDoc {
  id: string;
  title: string;
  text: string;
  chunks: PreparedChunk[];
}

/** What a search hit needs to show its text and cite it. `key` is the chunk's numeric key. */
export interface ChunkRow {
  key: number;
  id: string;
  docId: string;
  title: string;
  source: string;
  section: string;
  kind: string;
  text: string;
  start: number;
  end: number;
}

export interface ReplaceSourceInput {
  source: string;
  format: string;
  contentHash: string;
  bytes: number;
  docs: readonly PreparedDoc[];
  /** Vectors in `docs` are stored under this embedder id. */
  embedderId: string;
}

/** Chunk keys the in-process indexes must drop and add after a write. */
export interface StoreChange {
  removed: number[];
  added: { key: number; terms: string[]; vec?: Float32Array }[];
}

/**
 * Where a knowledge base keeps documents, chunks and chunk vectors: SQLite (the default) or
 * Postgres with pgvector. The knowledge base above it does parsing, chunking, embedding, BM25 and
 * rank fusion the same way for both, so both answer the same queries with the same hits; the
 * contract suite (`knowledgeStoreContract`) holds them to that.
 *
 * Every write replaces whole sources or documents in one transaction, so a crash leaves either
 * the old version or the new one.
 */
export interface KnowledgeStore {
  /** "sqlite" or "postgres". */
  readonly kind: string;
  /**
   * True when another connection (a second process, another server) committed since the last
   * call; our own writes do not count. The knowledge base then rebuilds its in-process indexes.
   */
  externalChanges(): Promise<boolean>;
  /** The content hash stored with `source`, for skipping unchanged input. */
  contentHash(source: string): Promise<string | undefined>;
  sourceTotals(source: string): Promise<{ documents: number; chunks: number }>;
  /** Replaces everything stored under `source` (and any document with one of the new ids). */
  replaceSource(input: ReplaceSourceInput): Promise<StoreChange>;
  removeDocument(docId: string): Promise<{ deleted: boolean; removed: number[] }>;
  /** Newest first; `query` filters by title or source substring, case-insensitively. */
  listDocuments(opts: { limit: number; offset: number; query?: string }): Promise<DocumentInfo[]>;
  getDocument(docId: string): Promise<(DocumentInfo & { text: string }) | undefined>;
  totals(): Promise<{ documents: number; chunks: number; bytes: number }>;
  /** Rows for these chunk keys; keys deleted meanwhile are simply absent. */
  chunkRows(keys: readonly number[]): Promise<Map<number, ChunkRow>>;
  /** Every chunk's key and BM25 terms, for building the in-process BM25 index. */
  chunkTerms(): AsyncIterable<{ key: number; terms: string[] }>;
  /** Every vector stored under `embedderId`, for an in-memory vector index. */
  storedVectors(embedderId: string): AsyncIterable<{ key: number; vec: Float32Array }>;
  /** Chunks with no vector under `embedderId` (stored under another embedder, or none). */
  chunksWithoutVector(embedderId: string): Promise<ChunkRow[]>;
  putVectors(embedderId: string, entries: readonly { key: number; vec: Float32Array }[]): Promise<void>;
  /** Chunks in insertion order, for exports and evaluation. */
  chunks(): AsyncIterable<{ chunkId: string; docId: string; text: string; section: string }>;
  /** One document's chunks in order (by ordinal), for showing what the index holds of it. */
  documentChunks(docId: string): Promise<ChunkRow[]>;
  /**
   * A vector index inside the store itself (pgvector's HNSW), searching the vectors that
   * `replaceSource` and `putVectors` write. Absent: the knowledge base keeps one in memory.
   */
  vectorStore?(): VectorStore;
  close(): Promise<void>;
}

/**
 * The message every backend gives when vectors stored under an embedder id have another size
 * than the embedder with that id now declares (its model or settings changed, its id did not).
 */
export function storedDimensionMismatch(embedderId: string, stored: number, declared: number): string {
  return (
    `the knowledge base holds ${stored}-dimension vectors from embedder ${embedderId}, which now ` +
    `declares ${declared} dimensions: give the embedder a new id, or delete its stored vectors`
  );
}

/** The message every backend gives when an embedder's output does not match what it declares. */
export function dimensionMismatch(embedderId: string, got: number, want: number): string {
  return `embedder ${embedderId} returned a ${got}-dimension vector but declares ${want} dimensions`;
}
