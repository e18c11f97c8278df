import { extractFeatures } from "./features.ts";

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

export interface VectorizerJSON {
  terms: string[];
  idf: number[];
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
    return new TfidfVectorizer(index, terms, idf);
  }

  static fromJSON(json: VectorizerJSON): TfidfVectorizer {
    const index = new Map<string, number>();
    for (const [i, t] of json.terms.entries()) index.set(t, i);
    return new TfidfVectorizer(index, json.terms, Float32Array.from(json.idf));
  }

  toJSON(): VectorizerJSON {
    return { terms: this.terms, idf: Array.from(this.idf) };
  }

  transformFeatures(feats: string[]): SparseVector {
    const counts = new Map<number, number>();
    for (const f of feats) {
      const i = this.index.get(f);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const val = new Float32Array(idx.length);
    let norm = 0;
    for (let k = 0; k < idx.length; k++) {
      const v = (1 + Math.log(counts.get(idx[k]) ?? 1)) * this.idf[idx[k]];
      val[k] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < val.length; k++) val[k] *= inv;
    }
    return { idx, val };
  }

  transform(text: string): SparseVector {
    return this.transformFeatures(extractFeatures(text));
  }
}
