import { createHash } from "node:crypto";
import { analyze } from "../text/tokenize.ts";
import { type Csr, randomizedEigen } from "./linalg.ts";
import { type Embedder, normalizeL2 } from "./types.ts";

export interface CorpusEmbedderOptions {
  dim?: number;
  /** Words seen fewer times are out of vocabulary. */
  minCount?: number;
  maxVocab?: number;
  /** Co-occurrence window (tokens each side), weighted 1/distance. */
  window?: number;
  /** Eigenvalue exponent for word vectors (Levy, Goldberg & Dagan 2015 find 0 or 0.5 best). */
  eigenPower?: number;
  /** SIF smoothing constant (Arora, Liang & Ma 2017). */
  sifA?: number;
}

interface Model {
  dim: number;
  vocab: string[];
  /** vocab.length × dim, row-major. */
  vectors: Float32Array;
  /** SIF weight per word: a / (a + p(w)). */
  weights: Float32Array;
  /** The common component removed from every sentence vector. */
  common: Float32Array;
}

function tokens(text: string): string[] {
  return analyze(text, { cjkBigrams: false, stopwords: false });
}

/**
 * Vectors learned from the corpus itself, no downloaded weights: word vectors from a PPMI
 * co-occurrence matrix factorised by randomized SVD (the count-based analogue of word2vec,
 * Levy & Goldberg 2014), and sentence vectors as their SIF-weighted average with the common
 * component removed (Arora et al. 2017). Words that share contexts ("怎么/如何", "还款/还钱")
 * get close vectors, which is what lexical BM25 cannot see.
 */
export class CorpusEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  private readonly index: Map<string, number>;

  private constructor(private readonly model: Model) {
    this.dim = model.dim;
    this.index = new Map(model.vocab.map((w, i) => [w, i]));
    const h = createHash("sha1")
      .update(model.vocab.join("\n"))
      .update(new Uint8Array(model.vectors.buffer))
      .digest("hex");
    this.id = `corpus-svd-${model.dim}-${h.slice(0, 12)}`;
  }

  static fit(texts: Iterable<string>, opts: CorpusEmbedderOptions = {}): CorpusEmbedder {
    const dim = opts.dim ?? 128;
    const window = opts.window ?? 4;
    const docs: string[][] = [];
    const freq = new Map<string, number>();
    for (const t of texts) {
      const toks = tokens(t);
      docs.push(toks);
      for (const w of toks) freq.set(w, (freq.get(w) ?? 0) + 1);
    }
    const vocab = [...freq]
      .filter(([, c]) => c >= (opts.minCount ?? 2))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxVocab ?? 30_000)
      .map(([w]) => w);
    const id = new Map(vocab.map((w, i) => [w, i]));
    const n = vocab.length;
    if (n < dim + 10) throw new Error(`corpus too small for ${dim} dimensions: ${n} words in vocabulary`);
    // Co-occurrence counts keyed by i * n + j (fits in a double exactly for n < 2^26).
    const co = new Map<number, number>();
    const rowSum = new Float64Array(n);
    for (const doc of docs) {
      const ids = doc.map((w) => id.get(w) ?? -1);
      for (let i = 0; i < ids.length; i++) {
        const a = ids[i] as number;
        if (a < 0) continue;
        for (let j = i + 1; j <= i + window && j < ids.length; j++) {
          const b = ids[j] as number;
          if (b < 0 || b === a) continue;
          const w = 1 / (j - i);
          co.set(a * n + b, (co.get(a * n + b) ?? 0) + w);
          co.set(b * n + a, (co.get(b * n + a) ?? 0) + w);
          rowSum[a] = (rowSum[a] as number) + w;
          rowSum[b] = (rowSum[b] as number) + w;
        }
      }
    }
    // PPMI with context-distribution smoothing (α = 0.75), which tames rare contexts.
    const ctx = new Float64Array(n);
    let ctxTotal = 0;
    for (let i = 0; i < n; i++) {
      ctx[i] = (rowSum[i] as number) ** 0.75;
      ctxTotal += ctx[i] as number;
    }
    const entries: [number, number, number][] = [];
    for (const [key, c] of co) {
      const i = Math.floor(key / n);
      const j = key - i * n;
      // PMI = log P(i,j) / (P(i) P_α(j)) with P(i,j) = c/total, P(i) = rowSum/total, P_α(j) = ctx/ctxTotal.
      const pmi = Math.log((c * ctxTotal) / ((rowSum[i] as number) * (ctx[j] as number)));
      if (pmi > 0) entries.push([i, j, pmi]);
    }
    // The smoothed PPMI is not exactly symmetric; symmetrise so the eigen solver applies.
    const sym = new Map<number, number>();
    for (const [i, j, v] of entries) {
      sym.set(i * n + j, (sym.get(i * n + j) ?? 0) + v / 2);
      sym.set(j * n + i, (sym.get(j * n + i) ?? 0) + v / 2);
    }
    const rows: [number, number][][] = Array.from({ length: n }, () => []);
    for (const [key, v] of sym) {
      const i = Math.floor(key / n);
      (rows[i] as [number, number][]).push([key - i * n, v]);
    }
    const rowPtr = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) rowPtr[i + 1] = (rowPtr[i] as number) + (rows[i] as []).length;
    const cols = new Int32Array(rowPtr[n] as number);
    const vals = new Float64Array(rowPtr[n] as number);
    rows.forEach((r, i) => {
      r.sort((a, b) => a[0] - b[0]);
      r.forEach(([c, v], k) => {
        cols[(rowPtr[i] as number) + k] = c;
        vals[(rowPtr[i] as number) + k] = v;
      });
    });
    const csr: Csr = { n, rowPtr, cols, vals };
    const { values, vectors } = randomizedEigen(csr, dim, { iterations: 3 });
    const p = opts.eigenPower ?? 0.5;
    const wv = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++)
        wv[i * dim + j] = (vectors[i * dim + j] as number) * Math.abs(values[j] as number) ** p;
      normalizeL2(wv.subarray(i * dim, (i + 1) * dim));
    }
    const a = opts.sifA ?? 1e-3;
    let tokensTotal = 0;
    for (const c of freq.values()) tokensTotal += c;
    const weights = Float32Array.from(vocab.map((w) => a / (a + (freq.get(w) ?? 0) / tokensTotal)));
    const model: Model = { dim, vocab, vectors: wv, weights, common: new Float32Array(dim) };
    const embedder = new CorpusEmbedder(model);
    // Common component: the first principal direction of the sentence vectors, by power iteration.
    const sample = docs.slice(0, 20_000).map((d) => embedder.raw(d));
    let u: Float32Array = new Float32Array(dim).fill(1 / Math.sqrt(dim));
    for (let it = 0; it < 20; it++) {
      const next = new Float32Array(dim);
      for (const s of sample) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += (s[j] as number) * (u[j] as number);
        for (let j = 0; j < dim; j++) next[j] = (next[j] as number) + dot * (s[j] as number);
      }
      u = normalizeL2(next);
    }
    model.common = u;
    return new CorpusEmbedder(model);
  }

  private raw(toks: readonly string[]): Float32Array {
    const { dim, vectors, weights } = this.model;
    const v = new Float32Array(dim);
    for (const w of toks) {
      const i = this.index.get(w);
      if (i === undefined) continue;
      const wt = weights[i] as number;
      for (let j = 0; j < dim; j++) v[j] = (v[j] as number) + wt * (vectors[i * dim + j] as number);
    }
    return v;
  }

  embedOne(text: string): Float32Array {
    const v = this.raw(tokens(text));
    const u = this.model.common;
    let dot = 0;
    for (let j = 0; j < this.dim; j++) dot += (v[j] as number) * (u[j] as number);
    for (let j = 0; j < this.dim; j++) v[j] = (v[j] as number) - dot * (u[j] as number);
    return normalizeL2(v);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return texts.map((t) => this.embedOne(t));
  }

  /** A compact binary form for storing the fitted model beside the index. */
  serialize(): Buffer {
    const { dim, vocab, vectors, weights, common } = this.model;
    const header = Buffer.from(JSON.stringify({ dim, vocab }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    return Buffer.concat([
      len,
      header,
      Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength),
      Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength),
      Buffer.from(common.buffer, common.byteOffset, common.byteLength),
    ]);
  }

  static deserialize(buf: Buffer): CorpusEmbedder {
    const hl = buf.readUInt32LE(0);
    const { dim, vocab } = JSON.parse(buf.subarray(4, 4 + hl).toString("utf8")) as {
      dim: number;
      vocab: string[];
    };
    let off = 4 + hl;
    const take = (n: number) => {
      const out = new Float32Array(n);
      Buffer.from(out.buffer).set(buf.subarray(off, off + n * 4));
      off += n * 4;
      return out;
    };
    const vectors = take(vocab.length * dim);
    const weights = take(vocab.length);
    const common = take(dim);
    return new CorpusEmbedder({ dim, vocab, vectors, weights, common });
  }

  /** Nearest vocabulary words, for inspecting what the model learned. */
  neighbours(word: string, k = 10): { word: string; cosine: number }[] {
    const i = this.index.get(word);
    if (i === undefined) return [];
    const { dim, vectors, vocab } = this.model;
    const out: { word: string; cosine: number }[] = [];
    for (let o = 0; o < vocab.length; o++) {
      if (o === i) continue;
      let dot = 0;
      for (let j = 0; j < dim; j++)
        dot += (vectors[i * dim + j] as number) * (vectors[o * dim + j] as number);
      out.push({ word: vocab[o] as string, cosine: dot });
    }
    return out.sort((a, b) => b.cosine - a.cosine).slice(0, k);
  }
}
