/**
 * Text → unit vectors. `id` is persisted beside every stored vector, so a knowledge base notices
 * when it is opened with a different embedder and re-embeds instead of mixing vector spaces.
 */
export interface Embedder {
  readonly id: string;
  readonly dim: number;
  /**
   * The vector list's weight in hybrid search, when this embedder knows better than the default
   * (`HYBRID_VECTOR_WEIGHT`): a model trained on the desk's own paraphrases outranks BM25 and so
   * should lead the fusion, weight-free vectors should not.
   */
  readonly hybridWeight?: number;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export function normalizeL2(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  }
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) * (a[i] as number);
    nb += (b[i] as number) * (b[i] as number);
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
