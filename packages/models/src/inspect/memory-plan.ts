import { GgmlType, ggmlByteSize } from "../gguf/ggml-types.ts";
import { chooseTensorType, quantTypeName } from "../quant/choose-type.ts";
import type { ModelShape } from "./model-shape.ts";
import type { WeightTensor } from "./tensor-list.ts";

/** The weight types a memory plan lists, from largest to smallest. */
export const PLAN_TYPES: readonly GgmlType[] = [
  GgmlType.F16,
  GgmlType.BF16,
  GgmlType.Q8_0,
  GgmlType.Q6_K,
  GgmlType.Q4_K,
  GgmlType.Q4_0,
];

export interface WeightsPlan {
  type: string;
  bytes: number;
  bitsPerWeight: number;
}

/**
 * Weight bytes of the model converted to each type, tensor by tensor with the quantizer's own type
 * choice (norms and routers F32, output Q6_K, fallbacks for odd rows), so it equals the file size
 * up to the header. MTP layers are left out: llama.cpp does not load them for decoding.
 */
export function weightsPlan(weights: readonly WeightTensor[], shape: ModelShape): WeightsPlan[] {
  const model = {
    layerCount: shape.layers,
    expertCount: shape.moe?.routedExperts,
    tiedEmbeddings: shape.tiedEmbeddings,
  };
  const counted = weights.filter((w) => !w.mtp);
  const params = counted.reduce((a, w) => a + w.elements, 0);
  return PLAN_TYPES.map((type) => {
    let bytes = 0;
    for (const w of counted) bytes += ggmlByteSize(chooseTensorType(w.name, w.dims, type, model), w.elements);
    return { type: quantTypeName(type), bytes, bitsPerWeight: params > 0 ? (8 * bytes) / params : 0 };
  });
}

export type KvLayout = "mla-latent" | "full-kv" | "gqa";

export interface KvCachePlan {
  /** llama.cpp's default cache type (f16), 2 bytes per element. */
  cacheType: "f16";
  /** How the llama.cpp in node-llama-cpp lays out this model's cache. */
  llamaCppLayout: KvLayout;
  llamaCppBytesPerToken: number;
  /** MLA models: per-head K and V, what llama.cpp allocates for a GGUF with an unsplit attn_kv_b. */
  fullKvBytesPerToken?: number;
  /** MLA models: the compressed latent (kv_lora_rank + qk_rope_head_dim) per layer. */
  latentBytesPerToken?: number;
  ctx: number;
  llamaCppBytes: number;
  fullKvBytes?: number;
  latentBytes?: number;
}

const CACHE_BYTES = 2;

/**
 * KV cache size. For deepseek2, llama.cpp (llama-kv-cache.cpp) allocates K only when the GGUF
 * carries `attention.key_length_mla` (MLA layout with attn_k_b/attn_v_b): one row of
 * kv_lora_rank + qk_rope per layer, with V a view of it. A legacy GGUF with attn_kv_b gets full
 * per-head K (n_head × (nope + rope)) and V (n_head × v_head).
 */
export function kvCachePlan(shape: ModelShape, ctx: number, mlaLayout = true): KvCachePlan {
  const layers = shape.layers;
  if (shape.mla) {
    const { kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = shape.mla;
    const latent = layers * (kvLoraRank + qkRopeHeadDim) * CACHE_BYTES;
    const full = layers * shape.heads * (qkNopeHeadDim + qkRopeHeadDim + vHeadDim) * CACHE_BYTES;
    const perToken = mlaLayout ? latent : full;
    return {
      cacheType: "f16",
      llamaCppLayout: mlaLayout ? "mla-latent" : "full-kv",
      llamaCppBytesPerToken: perToken,
      fullKvBytesPerToken: full,
      latentBytesPerToken: latent,
      ctx,
      llamaCppBytes: perToken * ctx,
      fullKvBytes: full * ctx,
      latentBytes: latent * ctx,
    };
  }
  const perToken = layers * 2 * shape.kvHeads * shape.headDim * CACHE_BYTES;
  return {
    cacheType: "f16",
    llamaCppLayout: "gqa",
    llamaCppBytesPerToken: perToken,
    ctx,
    llamaCppBytes: perToken * ctx,
  };
}

export interface FitOption {
  type: string;
  weightsBytes: number;
  /** Weights + reserve + KV cache for the requested context fit in the GPU memory. */
  fits: boolean;
  /** Longest context whose KV cache fits beside the weights (capped at the model's own maximum). */
  maxContext: number;
}

export interface GpuFit {
  gpuMemBytes: number;
  /** Set aside for compute buffers and the CUDA context: 5% of the card (at least 512 MiB) plus the logits of a 512-token batch. */
  reserveBytes: number;
  ctx: number;
  options: FitOption[];
}

export function gpuFit(
  weights: readonly WeightsPlan[],
  kv: KvCachePlan,
  shape: ModelShape,
  gpuMemBytes: number,
): GpuFit {
  const reserveBytes = Math.max(512 * 2 ** 20, 0.05 * gpuMemBytes) + 512 * shape.vocabSize * 4;
  const options = weights.map((w) => {
    const left = gpuMemBytes - reserveBytes - w.bytes;
    const maxContext =
      left <= 0 ? 0 : Math.min(shape.maxContext, Math.floor(left / kv.llamaCppBytesPerToken));
    return { type: w.type, weightsBytes: w.bytes, fits: maxContext >= kv.ctx && maxContext > 0, maxContext };
  });
  return { gpuMemBytes, reserveBytes, ctx: kv.ctx, options };
}
