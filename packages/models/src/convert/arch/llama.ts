import { UserInputError } from "@seekdesk/core";
import { gv } from "../../gguf/types.ts";
import type { SafetensorsCheckpoint } from "../../safetensors/reader.ts";
import { type HfConfig, num, ropeParams } from "../hf-config.ts";
import { type ArchitectureConverter, type ConversionPlan, directJob, type TensorJob } from "../plan.ts";
import { baseMetadata, headDim, range } from "./common.ts";

/**
 * Hugging Face stores Q and K for rotate-half (NEOX) rope; llama.cpp's llama graph rotates
 * adjacent pairs, so llama.cpp's converter interleaves the two halves of every head
 * (LlamaModel.permute). Row r = h*d + i*2 + j of the result is row h*d + j*(d/2) + i of the input.
 */
export function permuteForPairRope(data: Float32Array, shape: number[], heads: number): Float32Array {
  const rows = shape[0];
  const cols = data.length / rows;
  const d = rows / heads;
  const half = d / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const dst = (h * d + i * 2 + j) * cols;
        const src = (h * d + j * half + i) * cols;
        out.set(data.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/** llama3 rope scaling as per-frequency divisors (the rope_freqs tensor llama.cpp's converter generates). */
export function llama3RopeFactors(cfg: HfConfig): Float32Array {
  const rope = ropeParams(cfg);
  const dim = headDim(cfg);
  const factor = rope.factor ?? 8;
  const low = rope.lowFreqFactor ?? 1;
  const high = rope.highFreqFactor ?? 4;
  const oldCtx = rope.originalMaxPositions ?? 8192;
  const lowWavelen = oldCtx / low;
  const highWavelen = oldCtx / high;
  const out = new Float32Array(dim / 2);
  for (let k = 0; k < dim / 2; k++) {
    // torch computes the frequencies in float32; round the same way.
    const freq = Math.fround(1 / Math.fround(rope.theta ** Math.fround((2 * k) / dim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[k] = 1;
    else if (wavelen > lowWavelen) out[k] = factor;
    else {
      const smooth = (oldCtx / wavelen - low) / (high - low);
      out[k] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}

function layerJobs(
  ckpt: SafetensorsCheckpoint,
  cfg: HfConfig,
  bid: number,
  permuteQK: boolean,
  bias: boolean,
): TensorJob[] {
  const src = `model.layers.${bid}`;
  const dst = `blk.${bid}`;
  const heads = num(cfg, "num_attention_heads");
  const kvHeads = num(cfg, "num_key_value_heads", heads);
  const jobs = [
    directJob(ckpt, `${src}.input_layernorm.weight`, `${dst}.attn_norm.weight`),
    directJob(
      ckpt,
      `${src}.self_attn.q_proj.weight`,
      `${dst}.attn_q.weight`,
      permuteQK ? (d, s) => permuteForPairRope(d, s, heads) : undefined,
    ),
    directJob(
      ckpt,
      `${src}.self_attn.k_proj.weight`,
      `${dst}.attn_k.weight`,
      permuteQK ? (d, s) => permuteForPairRope(d, s, kvHeads) : undefined,
    ),
    directJob(ckpt, `${src}.self_attn.v_proj.weight`, `${dst}.attn_v.weight`),
    directJob(ckpt, `${src}.self_attn.o_proj.weight`, `${dst}.attn_output.weight`),
    directJob(ckpt, `${src}.post_attention_layernorm.weight`, `${dst}.ffn_norm.weight`),
    directJob(ckpt, `${src}.mlp.gate_proj.weight`, `${dst}.ffn_gate.weight`),
    directJob(ckpt, `${src}.mlp.up_proj.weight`, `${dst}.ffn_up.weight`),
    directJob(ckpt, `${src}.mlp.down_proj.weight`, `${dst}.ffn_down.weight`),
  ];
  for (const p of ["q", "k", "v"] as const) {
    const name = `${src}.self_attn.${p}_proj.bias`;
    if (!ckpt.has(name)) {
      if (bias) throw new UserInputError(`checkpoint lacks ${name}, which this architecture needs`);
      continue;
    }
    const heads_ = p === "q" ? heads : kvHeads;
    jobs.push(
      directJob(
        ckpt,
        name,
        `${dst}.attn_${p}.bias`,
        permuteQK && p !== "v" ? (d) => permuteForPairRope(d, [d.length], heads_) : undefined,
      ),
    );
  }
  return jobs;
}

function embeddingAndOutput(
  ckpt: SafetensorsCheckpoint,
  cfg: HfConfig,
): { jobs: TensorJob[]; tied: boolean } {
  const jobs = [
    directJob(ckpt, "model.embed_tokens.weight", "token_embd.weight"),
    directJob(ckpt, "model.norm.weight", "output_norm.weight"),
  ];
  const tied = cfg.tie_word_embeddings === true || !ckpt.has("lm_head.weight");
  if (!tied) jobs.push(directJob(ckpt, "lm_head.weight", "output.weight"));
  return { jobs, tied };
}

export const llamaConverter: ArchitectureConverter = {
  hfArchitectures: ["LlamaForCausalLM"],
  plan(cfg, ckpt): ConversionPlan {
    const layers = num(cfg, "num_hidden_layers");
    const metadata = baseMetadata("llama", cfg);
    const rope = ropeParams(cfg);
    const dim = headDim(cfg);
    metadata.push(["llama.rope.freq_base", gv.f32(rope.theta)]);
    metadata.push(["llama.rope.dimension_count", gv.u32(dim)]);
    metadata.push(["llama.attention.key_length", gv.u32(dim)]);
    metadata.push(["llama.attention.value_length", gv.u32(dim)]);
    if (rope.type === "linear" && rope.factor) {
      metadata.push(["llama.rope.scaling.type", gv.str("linear")]);
      metadata.push(["llama.rope.scaling.factor", gv.f32(rope.factor)]);
    }
    const { jobs, tied } = embeddingAndOutput(ckpt, cfg);
    if (rope.type === "llama3") {
      const factors = llama3RopeFactors(cfg);
      jobs.push({
        name: "rope_freqs.weight",
        dims: [factors.length],
        sourceBytes: 0,
        load: async () => factors,
      });
    }
    for (const bid of range(layers)) jobs.push(...layerJobs(ckpt, cfg, bid, true, false));
    return { arch: "llama", metadata, tensors: jobs, layerCount: layers, tiedEmbeddings: tied };
  },
};

export const qwen2Converter: ArchitectureConverter = {
  hfArchitectures: ["Qwen2ForCausalLM"],
  plan(cfg, ckpt): ConversionPlan {
    const layers = num(cfg, "num_hidden_layers");
    const metadata = baseMetadata("qwen2", cfg);
    const rope = ropeParams(cfg);
    metadata.push(["qwen2.rope.freq_base", gv.f32(rope.theta)]);
    if (rope.type === "yarn" && rope.factor) {
      metadata.push(["qwen2.rope.scaling.type", gv.str("yarn")]);
      metadata.push(["qwen2.rope.scaling.factor", gv.f32(rope.factor)]);
      if (rope.originalMaxPositions)
        metadata.push(["qwen2.rope.scaling.original_context_length", gv.u32(rope.originalMaxPositions)]);
    }
    const { jobs, tied } = embeddingAndOutput(ckpt, cfg);
    for (const bid of range(layers)) jobs.push(...layerJobs(ckpt, cfg, bid, false, true));
    return { arch: "qwen2", metadata, tensors: jobs, layerCount: layers, tiedEmbeddings: tied };
  },
};
