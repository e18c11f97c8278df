import type { Scored } from "./topk.ts";
import { VectorIndex, type VectorIndexOptions } from "./vector-index.ts";

/**
 * Where chunk vectors are searched. The default keeps them in memory (loaded from SQLite at
 * open); `PgVectorStore` keeps them in Postgres with pgvector. Keys are chunk row ids.
 */
export interface VectorStore {
  readonly name: string;
  /** True when vectors persist in the store itself, so the knowledge base need not reload them. */
  readonly persistent: boolean;
  init(dim: number, embedderId: string): Promise<void>;
  add(entries: readonly { key: number; vec: Float32Array }[]): Promise<void>;
  remove(keys: readonly number[]): Promise<void>;
  search(vec: Float32Array, k: number): Promise<Scored[]>;
  count(): Promise<number>;
  usesAnn(): boolean;
  close(): Promise<void>;
}

export class MemoryVectorStore implements VectorStore {
  readonly name = "memory";
  readonly persistent = false;
  private index: VectorIndex | undefined;
  constructor(private readonly opts: VectorIndexOptions = {}) {}

  async init(dim: number): Promise<void> {
    this.index = new VectorIndex(dim, this.opts);
  }
  private get idx(): VectorIndex {
    if (!this.index) throw new Error("vector store used before init()");
    return this.index;
  }
  async add(entries: readonly { key: number; vec: Float32Array }[]): Promise<void> {
    for (const e of entries) this.idx.add(e.key, e.vec);
  }
  async remove(keys: readonly number[]): Promise<void> {
    for (const k of keys) this.idx.remove(k);
  }
  async search(vec: Float32Array, k: number): Promise<Scored[]> {
    return this.idx.search(vec, k);
  }
  async count(): Promise<number> {
    return this.idx.size;
  }
  usesAnn(): boolean {
    return this.index?.usesAnn ?? false;
  }
  async close(): Promise<void> {
    this.index = undefined;
  }
}
