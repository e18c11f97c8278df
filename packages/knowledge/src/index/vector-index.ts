import { createRequire } from "node:module";
import { type Scored, TopK } from "./topk.ts";

interface HnswIndex {
  initIndex(
    maxElements: number,
    m?: number,
    efConstruction?: number,
    randomSeed?: number,
    allowReplaceDeleted?: boolean,
  ): void;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: number[], label: number, replaceDeleted?: boolean): void;
  markDelete(label: number): void;
  setEf(ef: number): void;
  getMaxElements(): number;
  getCurrentCount(): number;
  searchKnn(
    q: number[] | Float32Array,
    k: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
}
type HnswCtor = new (space: "ip" | "cosine" | "l2", dim: number) => HnswIndex;

let hnswCtor: HnswCtor | null | undefined;
/** hnswlib-node is a native addon; where it failed to build, exact search still works. */
function loadHnsw(): HnswCtor | null {
  if (hnswCtor !== undefined) return hnswCtor;
  try {
    const mod = createRequire(import.meta.url)("hnswlib-node") as { HierarchicalNSW: HnswCtor };
    hnswCtor = mod.HierarchicalNSW;
  } catch {
    hnswCtor = null;
  }
  return hnswCtor;
}

export interface VectorIndexOptions {
  /** From this many vectors on, queries go through HNSW instead of a linear scan. */
  annThreshold?: number;
  /** HNSW graph degree and build/search beam widths (hnswlib's M, efConstruction, ef). */
  m?: number;
  efConstruction?: number;
  efSearch?: number;
}

/**
 * Cosine search over unit vectors. Vectors live in one growable Float32Array (the exact path and
 * the source for building the graph); past `annThreshold` an HNSW graph (hnswlib) answers
 * queries, maintained incrementally afterwards. Small knowledge bases never pay for a graph.
 */
export class VectorIndex {
  private data: Float32Array;
  private slotOf = new Map<number, number>();
  private keyOf: number[] = [];
  private free: number[] = [];
  private hnsw: HnswIndex | undefined;
  private readonly opts: Required<VectorIndexOptions>;

  constructor(
    readonly dim: number,
    opts: VectorIndexOptions = {},
  ) {
    this.data = new Float32Array(dim * 1024);
    this.opts = { annThreshold: 20_000, m: 16, efConstruction: 100, efSearch: 256, ...opts };
  }

  get size(): number {
    return this.slotOf.size;
  }

  get usesAnn(): boolean {
    return this.hnsw !== undefined;
  }

  add(key: number, vec: Float32Array): void {
    if (vec.length !== this.dim)
      throw new Error(`vector has ${vec.length} dimensions, the index ${this.dim}`);
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.keyOf.length;
      if ((slot + 1) * this.dim > this.data.length) {
        const grown = new Float32Array(Math.max(this.data.length * 2, (slot + 1) * this.dim));
        grown.set(this.data);
        this.data = grown;
      }
      this.slotOf.set(key, slot);
      this.keyOf[slot] = key;
    }
    this.data.set(vec, slot * this.dim);
    if (this.hnsw) {
      if (this.hnsw.getCurrentCount() + 1 > this.hnsw.getMaxElements())
        this.hnsw.resizeIndex(this.hnsw.getMaxElements() * 2);
      // hnswlib-node only takes plain arrays.
      this.hnsw.addPoint(Array.from(vec), key, true);
    }
  }

  remove(key: number): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.slotOf.delete(key);
    this.keyOf[slot] = -1;
    this.free.push(slot);
    if (this.hnsw) this.hnsw.markDelete(key);
  }

  private buildAnn(): void {
    const Ctor = loadHnsw();
    if (!Ctor) return;
    const index = new Ctor("ip", this.dim);
    index.initIndex(
      Math.max(1024, Math.ceil(this.size * 1.5)),
      this.opts.m,
      this.opts.efConstruction,
      100,
      true,
    );
    for (const [key, slot] of this.slotOf)
      index.addPoint(Array.from(this.data.subarray(slot * this.dim, (slot + 1) * this.dim)), key);
    index.setEf(this.opts.efSearch);
    this.hnsw = index;
  }

  /** Forces (or drops) the graph now, e.g. right after a bulk load, so no query pays for it. */
  prepare(): void {
    if (!this.hnsw && this.size >= this.opts.annThreshold) this.buildAnn();
  }

  search(query: Float32Array, k: number, exact = false): Scored[] {
    if (this.size === 0 || k <= 0) return [];
    if (!exact) this.prepare();
    if (this.hnsw && !exact) {
      const n = Math.min(k, this.size);
      this.hnsw.setEf(Math.max(this.opts.efSearch, n));
      const r = this.hnsw.searchKnn(Array.from(query), n);
      // hnswlib's inner-product space returns 1 - dot.
      return r.neighbors.map((key, i) => ({ key, score: 1 - (r.distances[i] as number) }));
    }
    return this.scan(query, k);
  }

  /** The exact path: a linear scan of every vector. */
  scan(query: Float32Array, k: number): Scored[] {
    const top = new TopK(k);
    const { dim, data, keyOf } = this;
    for (let slot = 0; slot < keyOf.length; slot++) {
      const key = keyOf[slot] as number;
      if (key < 0) continue;
      let dot = 0;
      const off = slot * dim;
      for (let d = 0; d < dim; d++) dot += (data[off + d] as number) * (query[d] as number);
      top.push(key, dot);
    }
    return top.result();
  }
}
