import type { ModelShape } from "./model-shape.ts";

/**
 * One weight as llama.cpp will hold it: GGUF name and ggml dims (row length first). Hugging Face
 * tensors are renamed with the GGUF names our converter writes, so the quantizer's per-tensor
 * type choice applies to both inputs.
 */
export interface WeightTensor {
  name: string;
  dims: number[];
  elements: number;
  /** Stored type: a safetensors dtype (BF16, F8_E4M3, ...) or a ggml type name. */
  storedType: string;
  storedBytes: number;
  /** Routed-expert weights count toward the active parameters only for the top-k experts. */
  routedExpert: boolean;
  /** Multi-token-prediction layer weights (DeepSeek-V3 `num_nextn_predict_layers`). */
  mtp: boolean;
}

const LAYER_RENAMES: ReadonlyArray<[RegExp, string]> = [
  [/^input_layernorm\.weight$/, "attn_norm.weight"],
  [/^post_attention_layernorm\.weight$/, "ffn_norm.weight"],
  [/^self_attn\.q_proj\.(weight|bias)$/, "attn_q.$1"],
  [/^self_attn\.k_proj\.(weight|bias)$/, "attn_k.$1"],
  [/^self_attn\.v_proj\.(weight|bias)$/, "attn_v.$1"],
  [/^self_attn\.o_proj\.weight$/, "attn_output.weight"],
  [/^self_attn\.q_a_proj\.weight$/, "attn_q_a.weight"],
  [/^self_attn\.q_b_proj\.weight$/, "attn_q_b.weight"],
  [/^self_attn\.q_a_layernorm\.weight$/, "attn_q_a_norm.weight"],
  [/^self_attn\.kv_a_proj_with_mqa\.weight$/, "attn_kv_a_mqa.weight"],
  [/^self_attn\.kv_a_layernorm\.weight$/, "attn_kv_a_norm.weight"],
  [/^mlp\.(gate|up|down)_proj\.weight$/, "ffn_$1.weight"],
  [/^mlp\.experts\.\d+\.(gate|up|down)_proj\.weight$/, "ffn_$1_exps.weight"],
  [/^mlp\.shared_experts\.(gate|up|down)_proj\.weight$/, "ffn_$1_shexp.weight"],
  [/^mlp\.gate\.weight$/, "ffn_gate_inp.weight"],
  [/^mlp\.gate\.e_score_correction_bias$/, "exp_probs_b.bias"],
];

export interface HfTensorHeader {
  name: string;
  dtype: string;
  shape: number[];
  byteLength: number;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * GGUF-named weights for a Hugging Face checkpoint's tensor headers. DeepSeek's kv_b_proj is
 * split into attn_k_b and attn_v_b as llama.cpp's MLA layout (and our converter) stores it; F8
 * block-scale tensors (`*_scale_inv`) are storage detail and are left out.
 */
export function weightsFromHfHeaders(headers: readonly HfTensorHeader[], shape: ModelShape): WeightTensor[] {
  const out: WeightTensor[] = [];
  for (const h of headers) {
    if (h.name.endsWith("_scale_inv")) continue;
    const elements = product(h.shape);
    const base = { dims: [...h.shape].reverse(), elements, storedType: h.dtype, storedBytes: h.byteLength };
    if (h.name === "model.embed_tokens.weight") {
      out.push({ ...base, name: "token_embd.weight", routedExpert: false, mtp: false });
      continue;
    }
    if (h.name === "lm_head.weight") {
      out.push({ ...base, name: "output.weight", routedExpert: false, mtp: false });
      continue;
    }
    if (h.name === "model.norm.weight") {
      out.push({ ...base, name: "output_norm.weight", routedExpert: false, mtp: false });
      continue;
    }
    const m = /^model\.layers\.(\d+)\.(.+)$/.exec(h.name);
    if (!m) {
      out.push({ ...base, name: h.name, routedExpert: false, mtp: false });
      continue;
    }
    const layer = Number(m[1]);
    const rest = m[2];
    const mtp = layer >= shape.layers;
    const routedExpert = /^mlp\.experts\.\d+\./.test(rest);
    if (rest === "self_attn.kv_b_proj.weight" && shape.mla) {
      const { kvLoraRank, qkNopeHeadDim, vHeadDim } = shape.mla;
      const heads = shape.heads;
      const perByte = h.byteLength / elements;
      const kDims = [qkNopeHeadDim, kvLoraRank, heads];
      const vDims = [kvLoraRank, vHeadDim, heads];
      for (const [name, dims] of [
        [`blk.${layer}.attn_k_b.weight`, kDims],
        [`blk.${layer}.attn_v_b.weight`, vDims],
      ] as const) {
        const e = product(dims);
        out.push({
          name,
          dims: [...dims],
          elements: e,
          storedType: h.dtype,
          storedBytes: e * perByte,
          routedExpert,
          mtp,
        });
      }
      continue;
    }
    const rename = LAYER_RENAMES.find(([re]) => re.test(rest));
    const suffix = rename ? rest.replace(rename[0], rename[1]) : rest;
    out.push({ ...base, name: `blk.${layer}.${suffix}`, routedExpert, mtp });
  }
  return out;
}

/** The weights a config describes, GGUF-named, for planning when no safetensors are at hand. */
export function weightsFromShape(shape: ModelShape): WeightTensor[] {
  const out: WeightTensor[] = [];
  const add = (name: string, dims: number[], routedExpert = false) =>
    out.push({
      name,
      dims,
      elements: product(dims),
      storedType: "BF16",
      storedBytes: 2 * product(dims),
      routedExpert,
      mtp: false,
    });
  const h = shape.hiddenSize;
  add("token_embd.weight", [h, shape.vocabSize]);
  for (let l = 0; l < shape.layers; l++) {
    const b = `blk.${l}.`;
    add(`${b}attn_norm.weight`, [h]);
    add(`${b}ffn_norm.weight`, [h]);
    if (shape.mla) {
      const { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = shape.mla;
      const qDim = shape.heads * (qkNopeHeadDim + qkRopeHeadDim);
      if (qLoraRank > 0) {
        add(`${b}attn_q_a.weight`, [h, qLoraRank]);
        add(`${b}attn_q_a_norm.weight`, [qLoraRank]);
        add(`${b}attn_q_b.weight`, [qLoraRank, qDim]);
      } else {
        add(`${b}attn_q.weight`, [h, qDim]);
      }
      add(`${b}attn_kv_a_mqa.weight`, [h, kvLoraRank + qkRopeHeadDim]);
      add(`${b}attn_kv_a_norm.weight`, [kvLoraRank]);
      add(`${b}attn_k_b.weight`, [qkNopeHeadDim, kvLoraRank, shape.heads]);
      add(`${b}attn_v_b.weight`, [kvLoraRank, vHeadDim, shape.heads]);
      add(`${b}attn_output.weight`, [shape.heads * vHeadDim, h]);
    } else {
      const qDim = shape.heads * shape.headDim;
      const kvDim = shape.kvHeads * shape.headDim;
      add(`${b}attn_q.weight`, [h, qDim]);
      add(`${b}attn_k.weight`, [h, kvDim]);
      add(`${b}attn_v.weight`, [h, kvDim]);
      add(`${b}attn_output.weight`, [qDim, h]);
      if (shape.attentionBias) {
        add(`${b}attn_q.bias`, [qDim]);
        add(`${b}attn_k.bias`, [kvDim]);
        add(`${b}attn_v.bias`, [kvDim]);
      }
    }
    const moe = shape.moe;
    if (moe && l >= moe.denseLeadingLayers) {
      const E = moe.routedExperts;
      const f = moe.expertFeedForward;
      add(`${b}ffn_gate_inp.weight`, [h, E]);
      if (moe.hasScoreBias) add(`${b}exp_probs_b.bias`, [E]);
      add(`${b}ffn_gate_exps.weight`, [h, f, E], true);
      add(`${b}ffn_up_exps.weight`, [h, f, E], true);
      add(`${b}ffn_down_exps.weight`, [f, h, E], true);
      if (moe.sharedExperts > 0) {
        const s = f * moe.sharedExperts;
        add(`${b}ffn_gate_shexp.weight`, [h, s]);
        add(`${b}ffn_up_shexp.weight`, [h, s]);
        add(`${b}ffn_down_shexp.weight`, [s, h]);
      }
    } else {
      add(`${b}ffn_gate.weight`, [h, shape.feedForward]);
      add(`${b}ffn_up.weight`, [h, shape.feedForward]);
      add(`${b}ffn_down.weight`, [shape.feedForward, h]);
    }
  }
  add("output_norm.weight", [h]);
  if (!shape.tiedEmbeddings) add("output.weight", [h, shape.vocabSize]);
  return out;
}
