import { UserInputError } from "@seekdesk/core";
import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.ts";

/**
 * Which ggml type each tensor gets, following llama.cpp: convert_hf_to_gguf.py for the float
 * types (f32, f16, bf16) and llama-quant.cpp (`llama_tensor_get_type`) for the quantized ones.
 *
 * What we chose and why:
 * - Tensors llama.cpp never quantizes stay F32: 1-D tensors, `*_norm.weight`, anything not named
 *   `*.weight` (biases, `exp_probs_b.bias`), the MoE router `ffn_gate_inp.weight`. For float
 *   targets the converter also keeps `ffn_gate_inp_shexp` in F32.
 * - `q8_0`, `q4_0` and `q6_k` are llama.cpp's MOSTLY_Q8_0, MOSTLY_Q4_0 and MOSTLY_Q6_K:
 *   every other matrix gets the requested type, `output.weight` (and `token_embd.weight` when the
 *   model ties its embeddings) gets Q6_K (Q8_0 stays Q8_0), as llama.cpp keeps the output layer
 *   at 6 bits for quality; with exactly 8 experts, attn_k/attn_v/attn_kv_b go to Q8_0.
 * - `q4_k` is llama.cpp's MOSTLY_Q4_K_M, the mix users mean by "Q4_K": attn_v-like tensors
 *   (attn_v, attn_qkv, attn_kv_b) and ffn_down of the first and last eighth of the layers and
 *   every third layer between get Q6_K. One deviation: where llama.cpp would pick Q5_K
 *   (attn_output of 8-expert models) we pick Q6_K, as we do not write Q5_K.
 * - Where the row length (ne[0]) does not divide into the block size: Q4_K → Q5_0, Q6_K → Q8_0
 *   (llama.cpp's `tensor_type_fallback`), and F16 when even 32 does not divide.
 *
 * `shape` is in GGUF order: shape[0] is the row length (ne[0]).
 */
export interface QuantModelInfo {
  /** Number of blocks (GGUF `block_count`); needed for the Q4_K_M layer mix. */
  layerCount?: number;
  /** Routed experts per MoE layer (`expert_count`); 8 triggers llama.cpp's 8-expert rules. */
  expertCount?: number;
  /** The model has no `output.weight` and reuses `token_embd.weight` as the output layer. */
  tiedEmbeddings?: boolean;
}

const TYPE_NAMES: ReadonlyArray<[string, GgmlType]> = [
  ["f32", GgmlType.F32],
  ["f16", GgmlType.F16],
  ["bf16", GgmlType.BF16],
  ["q8_0", GgmlType.Q8_0],
  ["q4_0", GgmlType.Q4_0],
  ["q4_k", GgmlType.Q4_K],
  ["q6_k", GgmlType.Q6_K],
];

/** The types `--type` accepts, lowercase, in the order shown to users. */
export const QUANT_TYPE_NAMES: readonly string[] = TYPE_NAMES.map(([n]) => n);

/** Parses a `--type` value (case-insensitive; `q4_k_m` is accepted for q4_k). */
export function parseQuantType(name: string): GgmlType {
  const key = name.trim().toLowerCase().replaceAll("-", "_");
  const alias = key === "q4_k_m" ? "q4_k" : key;
  const found = TYPE_NAMES.find(([n]) => n === alias);
  if (!found) {
    throw new UserInputError(`unknown type "${name}"; valid types: ${QUANT_TYPE_NAMES.join(", ")}`);
  }
  return found[1];
}

export function quantTypeName(type: GgmlType): string {
  return ggmlTypeInfo(type).name.toLowerCase();
}

/** llama.cpp's `llama_ftype` for `general.file_type`. */
export function fileTypeFor(requested: GgmlType): number {
  switch (requested) {
    case GgmlType.F32:
      return 0; // ALL_F32
    case GgmlType.F16:
      return 1; // MOSTLY_F16
    case GgmlType.Q4_0:
      return 2; // MOSTLY_Q4_0
    case GgmlType.Q8_0:
      return 7; // MOSTLY_Q8_0
    case GgmlType.Q4_K:
      return 15; // MOSTLY_Q4_K_M
    case GgmlType.Q6_K:
      return 18; // MOSTLY_Q6_K
    case GgmlType.BF16:
      return 32; // MOSTLY_BF16
    default:
      throw new Error(`no llama.cpp file type for ${ggmlTypeInfo(requested).name}`);
  }
}

function isFloatType(t: GgmlType): boolean {
  return t === GgmlType.F32 || t === GgmlType.F16 || t === GgmlType.BF16;
}

/** ggml_n_dims: trailing dimensions of size 1 do not count. */
function significantDims(shape: readonly number[]): number {
  let n = shape.length;
  while (n > 1 && shape[n - 1] === 1) n--;
  return Math.max(1, n);
}

/** llama.cpp's `tensor_allows_quantization`, for the tensor names of the architectures we write. */
export function isQuantizable(name: string, shape: readonly number[]): boolean {
  if (significantDims(shape) < 2) return false;
  if (!name.endsWith("weight")) return false;
  if (name.includes("_norm.weight")) return false;
  if (name.includes("ffn_gate_inp.weight")) return false;
  return true;
}

function keepsF32WhenConverting(name: string, shape: readonly number[]): boolean {
  return (
    shape.length <= 1 ||
    name.endsWith("_norm.weight") ||
    name.includes("ffn_gate_inp") ||
    !name.endsWith(".weight")
  );
}

function layerOf(name: string): number | undefined {
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** llama.cpp's `use_more_bits`: first and last eighth of the layers, and every third between. */
function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8);
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

function isAttnVLike(name: string): boolean {
  return (
    name.includes("attn_qkv.weight") || name.includes("attn_kv_b.weight") || name.includes("attn_v.weight")
  );
}

function mixType(name: string, rowLength: number, requested: GgmlType, model: QuantModelInfo): GgmlType {
  const isOutput = name === "output.weight";
  const isTokenEmbd = name === "token_embd.weight";
  if (isOutput || (model.tiedEmbeddings === true && isTokenEmbd)) {
    if (rowLength % ggmlTypeInfo(requested).blockSize !== 0) return GgmlType.Q8_0;
    return requested === GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
  }
  if (isTokenEmbd) return requested;
  const eightExperts = model.expertCount === 8;
  const layer = layerOf(name);
  const layers = model.layerCount;
  const q4km = requested === GgmlType.Q4_K;
  if (isAttnVLike(name)) {
    let t = requested;
    if (q4km && layer !== undefined && layers !== undefined && useMoreBits(layer, layers)) t = GgmlType.Q6_K;
    return eightExperts ? GgmlType.Q8_0 : t;
  }
  if (name.includes("attn_k.weight")) return eightExperts ? GgmlType.Q8_0 : requested;
  if (name.includes("attn_q.weight")) return requested;
  if (name.includes("attn_output.weight")) return eightExperts && q4km ? GgmlType.Q6_K : requested;
  if (name.includes("ffn_down")) {
    if (q4km && layer !== undefined && layers !== undefined && useMoreBits(layer, layers))
      return GgmlType.Q6_K;
    return requested;
  }
  return requested;
}

/** llama.cpp's `tensor_type_fallback` for rows that do not divide into the block size. */
function fallbackForRow(type: GgmlType, rowLength: number): GgmlType {
  const block = ggmlTypeInfo(type).blockSize;
  if (rowLength % block === 0) return type;
  let t = type;
  if (type === GgmlType.Q4_K) t = GgmlType.Q5_0;
  else if (type === GgmlType.Q6_K) t = GgmlType.Q8_0;
  return rowLength % ggmlTypeInfo(t).blockSize === 0 ? t : GgmlType.F16;
}

export function chooseTensorType(
  tensorName: string,
  shape: number[],
  requested: GgmlType,
  model: QuantModelInfo = {},
): GgmlType {
  if (isFloatType(requested)) {
    return keepsF32WhenConverting(tensorName, shape) ? GgmlType.F32 : requested;
  }
  if (!isQuantizable(tensorName, shape)) return GgmlType.F32;
  const rowLength = shape[0];
  return fallbackForRow(mixType(tensorName, rowLength, requested, model), rowLength);
}
