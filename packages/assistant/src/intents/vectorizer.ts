import { extractFeatures } from "./features.ts";

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** A TF-IDF row, and how much of the utterance the vocabulary covers. */
export interface TfidfVector extends SparseVector {
  /**
   * Share of the utterance's TF-IDF mass (squared L2 norm) carried by features seen in training,
   * in [0, 1]: 1 when every feature is known, 0 for an empty or entirely unknown utterance.
   * Unseen features are weighted with the idf of a feature in no training document.
   */
  coverage: number;
}

export interface VectorizerJSON {
  terms: string[];
  idf: number[];
  /** idf of a feature seen in no training document (absent in older files: the largest idf). */
  unseenIdf?: number;
}

/**
 * Vocabulary-indexed TF-IDF with sublinear tf (1 + ln tf), smoothed idf
 * (ln((1 + n) / (1 + df)) + 1, as scikit-learn) and L2 normalisation. A vocabulary rather than
 * hashing keeps the weight matrix small enough to persist: only features seen in training
 * (at least `minDf` times) get a row.
 */
export class TfidfVectorizer {
  private constructor(
    private readonly index: Map<string, number>,
    readonly terms: string[],
    readonly idf: Float32Array,
    readonly unseenIdf: number,
  ) {}

  get size(): number {
    return this.terms.length;
  }

  static fit(featureLists: string[][], minDf = 1): TfidfVectorizer {
    const df = new Map<string, number>();
    for (const feats of featureLists) {
      for (const f of new Set(feats)) df.set(f, (df.get(f) ?? 0) + 1);
    }
    const terms = [...df.entries()]
      .filter(([, n]) => n >= minDf)
      .map(([t]) => t)
      .sort();
    const n = featureLists.length;
    const idf = new Float32Array(terms.length);
    const index = new Map<string, number>();
    terms.forEach((t, i) => {
      index.set(t, i);
      idf[i] = Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1;
    });
    // The smoothed idf above at df = 0: what an unseen feature would weigh had it been counted.
    return new TfidfVectorizer(index, terms, idf, Math.log(1 + n) + 1);
  }

  static fromJSON(json: VectorizerJSON): TfidfVectorizer {
    const index = new Map<string, number>();
    for (const [i, t] of json.terms.entries()) index.set(t, i);
    const idf = Float32Array.from(json.idf);
    return new TfidfVectorizer(
      index,
      json.terms,
      idf,
      json.unseenIdf ?? idf.reduce((a, b) => Math.max(a, b), 1),
    );
  }

  toJSON(): VectorizerJSON {
    return { terms: this.terms, idf: Array.from(this.idf), unseenIdf: this.unseenIdf };
  }

  transformFeatures(feats: string[]): TfidfVector {
    const counts = new Map<number, number>();
    const unseen = new Map<string, number>();
    for (const f of feats) {
      const i = this.index.get(f);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
      else unseen.set(f, (unseen.get(f) ?? 0) + 1);
    }
    const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const val = new Float32Array(idx.length);
    let norm = 0;
    for (let k = 0; k < idx.length; k++) {
      const v = (1 + Math.log(counts.get(idx[k]) ?? 1)) * this.idf[idx[k]];
      val[k] = v;
      norm += v * v;
    }
    let unseenNorm = 0;
    for (const n of unseen.values()) unseenNorm += ((1 + Math.log(n)) * this.unseenIdf) ** 2;
    const coverage = norm > 0 ? norm / (norm + unseenNorm) : 0;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < val.length; k++) val[k] *= inv;
    }
    return { idx, val, coverage };
  }

  transform(text: string): TfidfVector {
    return this.transformFeatures(extractFeatures(text));
  }
}
