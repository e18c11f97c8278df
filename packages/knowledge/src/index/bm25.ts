import { type Scored, TopK } from "./topk.ts";

interface Postings {
  keys: number[];
  tfs: number[];
}

/**
 * An in-memory BM25 inverted index over integer keys (chunk row ids). It is rebuilt from the
 * stored term lists when a knowledge base opens, which takes about a second per 100 000 chunks
 * and keeps query time to a few hundred microseconds: posting lists are plain arrays and
 * scores accumulate in one typed array, with no SQL in the hot path.
 */
export class Bm25Index {
  private readonly postings = new Map<string, Postings>();
  private readonly docTerms = new Map<number, string[]>();
  private docLen = new Float64Array(1024);
  private totalLen = 0;
  private deletedInPostings = 0;
  private scores = new Float64Array(1024);
  /** Keys with a non-zero score in the current search; reused so a search allocates ~nothing. */
  private touched = new Int32Array(1024);
  /** k1·(1 − b + b·len/avg) per key, the length part of BM25's denominator; stale after a change. */
  private lengthNorm = new Float64Array(0);
  private lengthNormStale = true;

  constructor(
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {}

  get size(): number {
    return this.docTerms.size;
  }

  add(key: number, terms: readonly string[]): void {
    if (this.docTerms.has(key)) this.remove(key);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let p = this.postings.get(t);
      if (!p) {
        p = { keys: [], tfs: [] };
        this.postings.set(t, p);
      }
      p.keys.push(key);
      p.tfs.push(n);
    }
    if (key >= this.docLen.length) {
      let cap = this.docLen.length;
      while (cap <= key) cap *= 2;
      const grown = new Float64Array(cap);
      grown.set(this.docLen);
      this.docLen = grown;
    }
    this.docLen[key] = terms.length;
    this.totalLen += terms.length;
    this.lengthNormStale = true;
    this.docTerms.set(key, [...tf.keys()]);
  }

  remove(key: number): void {
    const terms = this.docTerms.get(key);
    if (!terms) return;
    this.docTerms.delete(key);
    this.totalLen -= this.docLen[key] ?? 0;
    this.docLen[key] = 0;
    this.lengthNormStale = true;
    this.deletedInPostings += terms.length;
    // Posting entries of removed keys are skipped at query time and swept out in bulk once they
    // are a sizeable share, so a removal costs O(terms) instead of O(postings).
    if (this.deletedInPostings > 50_000 && this.deletedInPostings > this.size * 4) this.compact();
  }

  private compact(): void {
    for (const [t, p] of this.postings) {
      const keys: number[] = [];
      const tfs: number[] = [];
      for (let i = 0; i < p.keys.length; i++) {
        if (this.docTerms.has(p.keys[i] as number)) {
          keys.push(p.keys[i] as number);
          tfs.push(p.tfs[i] as number);
        }
      }
      if (keys.length) this.postings.set(t, { keys, tfs });
      else this.postings.delete(t);
    }
    this.deletedInPostings = 0;
  }

  /** Document frequency of a term among live keys. */
  df(term: string): number {
    const p = this.postings.get(term);
    if (!p) return 0;
    if (this.deletedInPostings === 0) return p.keys.length;
    let n = 0;
    for (const k of p.keys) if (this.docTerms.has(k)) n++;
    return n;
  }

  /** Recomputed once after any change instead of per posting: common terms touch most keys. */
  private lengthNorms(): Float64Array {
    if (this.lengthNormStale) {
      const avg = this.totalLen / this.size || 1;
      if (this.lengthNorm.length !== this.docLen.length)
        this.lengthNorm = new Float64Array(this.docLen.length);
      for (let key = 0; key < this.docLen.length; key++)
        this.lengthNorm[key] = this.k1 * (1 - this.b + (this.b * (this.docLen[key] as number)) / avg);
      this.lengthNormStale = false;
    }
    return this.lengthNorm;
  }

  search(queryTerms: readonly string[], k: number): Scored[] {
    const n = this.size;
    if (n === 0 || k <= 0) return [];
    const norm = this.lengthNorms();
    if (this.scores.length < this.docLen.length) {
      this.scores = new Float64Array(this.docLen.length);
      this.touched = new Int32Array(this.docLen.length);
    }
    const { scores, touched } = this;
    let nTouched = 0;
    const qtf = new Map<string, number>();
    for (const t of queryTerms) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const live = this.deletedInPostings > 0 ? this.docTerms : undefined;
    for (const [term, qn] of qtf) {
      const p = this.postings.get(term);
      if (!p) continue;
      const df = this.df(term);
      if (df === 0) continue;
      // Lucene's BM25 idf: always positive, so very common terms still count a little.
      const w = Math.log(1 + (n - df + 0.5) / (df + 0.5)) * qn * (this.k1 + 1);
      const { keys, tfs } = p;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as number;
        if (live && !live.has(key)) continue;
        const tf = tfs[i] as number;
        const s = (w * tf) / (tf + (norm[key] as number));
        if (scores[key] === 0) touched[nTouched++] = key;
        scores[key] = (scores[key] as number) + s;
      }
    }
    const top = new TopK(k);
    for (let i = 0; i < nTouched; i++) {
      const key = touched[i] as number;
      top.push(key, scores[key] as number);
      scores[key] = 0;
    }
    return top.result();
  }
}
