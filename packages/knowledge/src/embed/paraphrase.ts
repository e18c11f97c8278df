import { createHash } from "node:crypto";
import { seededRandom } from "@seekdesk/core/random.ts";
import { type CjkGramWeights, fnv1a, surfaceFeatures } from "./features.ts";
import { type Embedder, normalizeL2 } from "./types.ts";

/** The same surface features as the hashed default: CJK unigrams + bigrams, Latin words. */
const CJK_GRAMS: CjkGramWeights = { unigram: 1, bigram: 1, trigram: 0 };

const FORMAT = "seekdesk-paraphrase-embedder";

/** Two texts a person or a resolved conversation says mean the same (FAQ variants, question → FAQ). */
export interface ParaphrasePair {
  a: string;
  b: string;
}

export interface TrainParaphraseOptions {
  dim?: number;
  epochs?: number;
  batchSize?: number;
  /** Softmax temperature of the contrastive loss; low values punish near misses hard. */
  temperature?: number;
  learningRate?: number;
  seed?: number;
  /** The vector list's weight in hybrid search recorded in the model (see `Embedder.hybridWeight`). */
  hybridWeight?: number;
  onEpoch?: (epoch: number, loss: number) => void;
  signal?: AbortSignal;
}

/**
 * Defaults chosen on the even-numbered atec-faq queries (docs/EVAL.md); the odd ones were the test.
 * 0.9 for the hybrid weight: the learned vectors beat BM25 there, so they lead the fusion.
 */
const DEFAULTS = {
  dim: 256,
  epochs: 5,
  batchSize: 256,
  temperature: 0.03,
  learningRate: 0.01,
  seed: 1,
  hybridWeight: 0.9,
} as const;

interface Model {
  dim: number;
  vocab: string[];
  /** vocab.length × dim, row-major. */
  table: Float32Array;
  hybridWeight: number;
  pairs: number;
}

/** Sublinear-tf feature bag of a text, as (feature, weight) pairs. */
function bag(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  surfaceFeatures(text, (f, w) => counts.set(f, (counts.get(f) ?? 0) + w), CJK_GRAMS);
  for (const [f, w] of counts) counts.set(f, w > 1 ? 1 + Math.log(w) : w);
  return counts;
}

/**
 * A feature's starting vector, a pure function of its name: Gaussian entries of variance 1/dim from
 * a generator seeded by the feature's hash. Features never seen in training keep exactly this
 * vector, so the model stays a random projection of the n-gram bag (like the hashed default, without
 * bucket collisions) wherever the pairs taught it nothing.
 */
function seedRow(feature: string, dim: number, out: Float32Array, offset = 0, scale = 1): void {
  const next = seededRandom(fnv1a(feature) ^ 0x9e3779b9);
  const sd = scale / Math.sqrt(dim);
  for (let j = 0; j < dim; j += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const th = 2 * Math.PI * next();
    out[offset + j] = (out[offset + j] as number) + sd * r * Math.cos(th);
    if (j + 1 < dim) out[offset + j + 1] = (out[offset + j + 1] as number) + sd * r * Math.sin(th);
  }
}

/** A sentence as the vocabulary rows it touches and their weights; unseen features are dropped. */
interface Sparse {
  idx: Int32Array;
  w: Float32Array;
}

/**
 * Sentence vectors learned from paraphrase pairs: each character n-gram or word owns a vector, a
 * sentence is the normalised weighted sum of its features' vectors, and the vectors are trained so
 * that each pair's two sides are closer than either is to the other pairs in its batch (InfoNCE with
 * in-batch negatives, both directions; van den Oord et al. 2018, as in DPR and SimCSE). The bag is a
 * DSSM-style encoder (Huang et al., CIKM 2013) small enough to train on a CPU in seconds: it learns
 * which surface forms a service desk's customers use for the same thing (typos, 花呗/花贝,
 * 怎么/如何, 额度/钱) from the FAQ variants and resolved conversations the desk already has.
 */
export class ParaphraseEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly hybridWeight: number;
  /** How many pairs the model was trained on (for `kb stats` and reports). */
  readonly pairs: number;
  private readonly index: Map<string, number>;

  private constructor(private readonly model: Model) {
    this.dim = model.dim;
    this.hybridWeight = model.hybridWeight;
    this.pairs = model.pairs;
    this.index = new Map(model.vocab.map((w, i) => [w, i]));
    const h = createHash("sha1")
      .update(model.vocab.join("\n"))
      .update(new Uint8Array(model.table.buffer, model.table.byteOffset, model.table.byteLength))
      .digest("hex");
    this.id = `paraphrase-${model.dim}-${h.slice(0, 12)}`;
  }

  static async train(
    pairs: readonly ParaphrasePair[],
    opts: TrainParaphraseOptions = {},
  ): Promise<ParaphraseEmbedder> {
    // Explicit undefined (an unset CLI flag) means the default, which a plain spread would lose.
    const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    const o = { ...DEFAULTS, ...set } as typeof DEFAULTS & TrainParaphraseOptions;
    const { dim, batchSize: B, temperature: tau } = o;
    const usable = pairs.filter((p) => p.a.trim() && p.b.trim() && p.a.trim() !== p.b.trim());
    if (usable.length < 2) throw new Error(`need at least 2 paraphrase pairs, got ${usable.length}`);
    const index = new Map<string, number>();
    const vocab: string[] = [];
    const sparse = (text: string): Sparse => {
      const b = bag(text);
      const idx = new Int32Array(b.size);
      const w = new Float32Array(b.size);
      let k = 0;
      for (const [f, wt] of b) {
        let i = index.get(f);
        if (i === undefined) {
          i = vocab.length;
          index.set(f, i);
          vocab.push(f);
        }
        idx[k] = i;
        w[k++] = wt;
      }
      return { idx, w };
    };
    const A = usable.map((p) => sparse(p.a));
    const Bs = usable.map((p) => sparse(p.b));
    const V = vocab.length;
    const table = new Float32Array(V * dim);
    for (let i = 0; i < V; i++) seedRow(vocab[i] as string, dim, table, i * dim);
    const m1 = new Float32Array(V * dim);
    const m2 = new Float32Array(V * dim);
    const grad = new Float32Array(V * dim);
    // Rows with a gradient this step; Adam still decays every row's moments, as dense Adam does.
    let step = 0;
    let rng = o.seed >>> 0 || 1;
    const rand = () => {
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      return (rng >>> 0) / 4294967296;
    };
    const n = usable.length;
    const order = Array.from({ length: n }, (_, i) => i);
    const ua = new Float32Array(B * dim);
    const ub = new Float32Array(B * dim);
    const na = new Float32Array(B);
    const nb = new Float32Array(B);
    const S = new Float32Array(B * B);
    const G = new Float32Array(B * B);
    const da = new Float32Array(B * dim);
    const db = new Float32Array(B * dim);
    const embedBatch = (rows: readonly Sparse[], u: Float32Array, norms: Float32Array) => {
      u.fill(0, 0, rows.length * dim);
      rows.forEach((r, i) => {
        for (let k = 0; k < r.idx.length; k++) {
          const off = (r.idx[k] as number) * dim;
          const wt = r.w[k] as number;
          for (let j = 0; j < dim; j++)
            u[i * dim + j] = (u[i * dim + j] as number) + wt * (table[off + j] as number);
        }
        let s = 0;
        for (let j = 0; j < dim; j++) s += (u[i * dim + j] as number) ** 2;
        const nr = Math.sqrt(s) + 1e-8;
        norms[i] = nr;
        for (let j = 0; j < dim; j++) u[i * dim + j] = (u[i * dim + j] as number) / nr;
      });
    };
    // Gradient through the normalisation: d(u/|u|) = (I − x xᵀ)/|u|, scattered onto feature rows.
    const backprop = (rows: readonly Sparse[], x: Float32Array, norms: Float32Array, dx: Float32Array) => {
      rows.forEach((r, i) => {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += (x[i * dim + j] as number) * (dx[i * dim + j] as number);
        const inv = 1 / (norms[i] as number);
        for (let k = 0; k < r.idx.length; k++) {
          const off = (r.idx[k] as number) * dim;
          const wt = (r.w[k] as number) * inv;
          for (let j = 0; j < dim; j++)
            grad[off + j] =
              (grad[off + j] as number) +
              wt * ((dx[i * dim + j] as number) - dot * (x[i * dim + j] as number));
        }
      });
    };
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < n; start += B) {
        o.signal?.throwIfAborted();
        const ids = order.slice(start, start + B);
        const b = ids.length;
        if (b < 2) continue;
        const ra = ids.map((i) => A[i] as Sparse);
        const rb = ids.map((i) => Bs[i] as Sparse);
        embedBatch(ra, ua, na);
        embedBatch(rb, ub, nb);
        for (let i = 0; i < b; i++)
          for (let k = 0; k < b; k++) {
            let s = 0;
            for (let j = 0; j < dim; j++) s += (ua[i * dim + j] as number) * (ub[k * dim + j] as number);
            S[i * b + k] = s / tau;
          }
        // Symmetric InfoNCE: softmax over each row (a → all b) and each column (b → all a).
        G.fill(0, 0, b * b);
        let loss = 0;
        for (let dir = 0; dir < 2; dir++) {
          for (let i = 0; i < b; i++) {
            const at = (k: number) => (dir === 0 ? i * b + k : k * b + i);
            let mx = Number.NEGATIVE_INFINITY;
            for (let k = 0; k < b; k++) mx = Math.max(mx, S[at(k)] as number);
            let z = 0;
            for (let k = 0; k < b; k++) z += Math.exp((S[at(k)] as number) - mx);
            for (let k = 0; k < b; k++) {
              const p = Math.exp((S[at(k)] as number) - mx) / z;
              G[at(k)] = (G[at(k)] as number) + (p - (k === i ? 1 : 0)) / b / tau;
            }
            loss -= (S[at(i)] as number) - mx - Math.log(z);
          }
        }
        lossSum += loss / b;
        batches++;
        da.fill(0, 0, b * dim);
        db.fill(0, 0, b * dim);
        for (let i = 0; i < b; i++)
          for (let k = 0; k < b; k++) {
            const g = G[i * b + k] as number;
            for (let j = 0; j < dim; j++) {
              da[i * dim + j] = (da[i * dim + j] as number) + g * (ub[k * dim + j] as number);
              db[k * dim + j] = (db[k * dim + j] as number) + g * (ua[i * dim + j] as number);
            }
          }
        grad.fill(0);
        backprop(ra, ua, na, da);
        backprop(rb, ub, nb, db);
        step++;
        const c1 = 1 - 0.9 ** step;
        const c2 = 1 - 0.999 ** step;
        for (let i = 0; i < table.length; i++) {
          const g = grad[i] as number;
          const a1 = 0.9 * (m1[i] as number) + 0.1 * g;
          const a2 = 0.999 * (m2[i] as number) + 0.001 * g * g;
          m1[i] = a1;
          m2[i] = a2;
          table[i] = (table[i] as number) - (o.learningRate * (a1 / c1)) / (Math.sqrt(a2 / c2) + 1e-8);
        }
      }
      o.onEpoch?.(epoch + 1, batches ? lossSum / batches : 0);
      // Yield between epochs so a caller's abort or progress output gets a turn.
      await new Promise((r) => setImmediate(r));
    }
    return new ParaphraseEmbedder({ dim, vocab, table, hybridWeight: o.hybridWeight, pairs: usable.length });
  }

  embedOne(text: string): Float32Array {
    const { dim, table } = this.model;
    const v = new Float32Array(dim);
    for (const [f, w] of bag(text)) {
      const i = this.index.get(f);
      if (i === undefined) seedRow(f, dim, v, 0, w);
      else for (let j = 0; j < dim; j++) v[j] = (v[j] as number) + w * (table[i * dim + j] as number);
    }
    return normalizeL2(v);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return texts.map((t) => this.embedOne(t));
  }

  /** The model as one file: a length-prefixed JSON header, then the float32 table (little-endian). */
  serialize(): Buffer {
    const { dim, vocab, table, hybridWeight, pairs } = this.model;
    const header = Buffer.from(
      JSON.stringify({ format: FORMAT, version: 1, dim, hybridWeight, pairs, vocab }),
    );
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    return Buffer.concat([len, header, Buffer.from(table.buffer, table.byteOffset, table.byteLength)]);
  }

  /** Reads `serialize()`'s output; throws a message naming what is wrong for any other bytes. */
  static deserialize(buf: Buffer): ParaphraseEmbedder {
    const bad = (why: string) => new Error(`not a seekdesk paraphrase embedder file: ${why}`);
    if (buf.length < 4) throw bad("too short");
    const hl = buf.readUInt32LE(0);
    if (4 + hl > buf.length) throw bad("header length past the end");
    let h: {
      format?: unknown;
      version?: unknown;
      dim?: unknown;
      hybridWeight?: unknown;
      pairs?: unknown;
      vocab?: unknown;
    };
    try {
      h = JSON.parse(buf.subarray(4, 4 + hl).toString("utf8"));
    } catch {
      throw bad("header is not JSON");
    }
    if (h.format !== FORMAT || h.version !== 1)
      throw bad(`format ${String(h.format)} version ${String(h.version)}`);
    const { dim, hybridWeight, pairs, vocab } = h;
    if (
      typeof dim !== "number" ||
      !Number.isInteger(dim) ||
      dim < 1 ||
      typeof hybridWeight !== "number" ||
      !(hybridWeight >= 0 && hybridWeight <= 1) ||
      typeof pairs !== "number" ||
      !Array.isArray(vocab) ||
      !vocab.every((w) => typeof w === "string")
    )
      throw bad("malformed header");
    const bytes = vocab.length * dim * 4;
    if (buf.length - 4 - hl !== bytes)
      throw bad(`expected ${bytes} bytes of vectors, found ${buf.length - 4 - hl}`);
    const table = new Float32Array(vocab.length * dim);
    Buffer.from(table.buffer).set(buf.subarray(4 + hl));
    return new ParaphraseEmbedder({ dim, vocab: vocab as string[], table, hybridWeight, pairs });
  }
}
