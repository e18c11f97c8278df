import { UserInputError } from "@seekdesk/core";
import { type GgufValue, gv } from "../../gguf/types.ts";
import type { SafetensorsCheckpoint } from "../../safetensors/reader.ts";
import { type HfConfig, num, optNum, ropeParams } from "../hf-config.ts";
import { type ArchitectureConverter, type ConversionPlan, directJob, type TensorJob } from "../plan.ts";
import { baseMetadata, range } from "./common.ts";

/** llama.cpp's `llama_expert_gating_func_type`. */
const GATING_SOFTMAX = 1;
const GATING_SIGMOID = 2;

/**
 * Splits `kv_b_proj` ([n_head*(nope+v), kv_lora]) per head into K_b, transposed to
 * [n_head, kv_lora, nope], and V_b [n_head, v, kv_lora]: the absorbed-MLA layout llama.cpp's
 * deepseek2 graph multiplies with (convert_hf_to_gguf.py, DeepseekV2Model.modify_tensors).
 */
export function splitKvB(
  data: Float32Array,
  heads: number,
  nope: number,
  vDim: number,
  rank: number,
): { kB: Float32Array; vB: Float32Array } {
  const kB = new Float32Array(heads * rank * nope);
  const vB = new Float32Array(heads * vDim * rank);
  const per = nope + vDim;
  for (let h = 0; h < heads; h++) {
    for (let r = 0; r < nope; r++) {
      const src = (h * per + r) * rank;
      for (let c = 0; c < rank; c++) kB[h * rank * nope + c * nope + r] = data[src + c];
    }
    for (let r = 0; r < vDim; r++) {
      const src = (h * per + nope + r) * rank;
      vB.set(data.subarray(src, src + rank), (h * vDim + r) * rank);
    }
  }
  return { kB, vB };
}

function stackedExperts(
  ckpt: SafetensorsCheckpoint,
  bid: number,
  proj: string,
  n: number,
  name: string,
): TensorJob {
  const names = range(n).map((x) => `model.layers.${bid}.mlp.experts.${x}.${proj}.weight`);
  const first = ckpt.info(names[0]);
  const [rows, cols] = first.shape;
  return {
    name,
    dims: [cols, rows, n],
    sourceBytes: names.reduce((s, t) => s + ckpt.info(t).byteLength, 0),
    load: async () => {
      const out = new Float32Array(n * rows * cols);
      for (let x = 0; x < n; x++) {
        const part = await ckpt.readFloat32(names[x]);
        if (part.length !== rows * cols)
          throw new UserInputError(`${names[x]} has a different shape from expert 0`);
        out.set(part, x * rows * cols);
      }
      return out;
    },
  };
}

function kvBJobs(ckpt: SafetensorsCheckpoint, cfg: HfConfig, bid: number): TensorJob[] {
  const source = `model.layers.${bid}.self_attn.kv_b_proj.weight`;
  const heads = num(cfg, "num_attention_heads");
  const nope = num(cfg, "qk_nope_head_dim");
  const vDim = num(cfg, "v_head_dim");
  const rank = num(cfg, "kv_lora_rank");
  const info = ckpt.info(source);
  if (info.shape[0] !== heads * (nope + vDim) || info.shape[1] !== rank) {
    throw new UserInputError(`${source} is [${info.shape}], expected [${heads * (nope + vDim)}, ${rank}]`);
  }
  // Each half re-reads the source: it keeps peak memory at one tensor, and kv_b is small.
  const split = async () => splitKvB(await ckpt.readFloat32(source), heads, nope, vDim, rank);
  return [
    {
      name: `blk.${bid}.attn_k_b.weight`,
      dims: [nope, rank, heads],
      sourceBytes: info.byteLength / 2,
      load: async () => (await split()).kB,
    },
    {
      name: `blk.${bid}.attn_v_b.weight`,
      dims: [rank, vDim, heads],
      sourceBytes: info.byteLength / 2,
      load: async () => (await split()).vB,
    },
  ];
}

function layerJobs(
  ckpt: SafetensorsCheckpoint,
  cfg: HfConfig,
  bid: number,
  denseLayers: number,
): TensorJob[] {
  const s = `model.layers.${bid}`;
  const d = `blk.${bid}`;
  const jobs: TensorJob[] = [directJob(ckpt, `${s}.input_layernorm.weight`, `${d}.attn_norm.weight`)];
  if (ckpt.has(`${s}.self_attn.q_a_proj.weight`)) {
    jobs.push(
      directJob(ckpt, `${s}.self_attn.q_a_proj.weight`, `${d}.attn_q_a.weight`),
      directJob(ckpt, `${s}.self_attn.q_a_layernorm.weight`, `${d}.attn_q_a_norm.weight`),
      directJob(ckpt, `${s}.self_attn.q_b_proj.weight`, `${d}.attn_q_b.weight`),
    );
  } else {
    jobs.push(directJob(ckpt, `${s}.self_attn.q_proj.weight`, `${d}.attn_q.weight`));
  }
  jobs.push(
    directJob(ckpt, `${s}.self_attn.kv_a_proj_with_mqa.weight`, `${d}.attn_kv_a_mqa.weight`),
    directJob(ckpt, `${s}.self_attn.kv_a_layernorm.weight`, `${d}.attn_kv_a_norm.weight`),
    ...kvBJobs(ckpt, cfg, bid),
    directJob(ckpt, `${s}.self_attn.o_proj.weight`, `${d}.attn_output.weight`),
    directJob(ckpt, `${s}.post_attention_layernorm.weight`, `${d}.ffn_norm.weight`),
  );
  if (bid < denseLayers) {
    jobs.push(
      directJob(ckpt, `${s}.mlp.gate_proj.weight`, `${d}.ffn_gate.weight`),
      directJob(ckpt, `${s}.mlp.up_proj.weight`, `${d}.ffn_up.weight`),
      directJob(ckpt, `${s}.mlp.down_proj.weight`, `${d}.ffn_down.weight`),
    );
    return jobs;
  }
  const experts = num(cfg, "n_routed_experts");
  jobs.push(directJob(ckpt, `${s}.mlp.gate.weight`, `${d}.ffn_gate_inp.weight`));
  if (ckpt.has(`${s}.mlp.gate.e_score_correction_bias`)) {
    jobs.push(directJob(ckpt, `${s}.mlp.gate.e_score_correction_bias`, `${d}.exp_probs_b.bias`));
  }
  jobs.push(
    stackedExperts(ckpt, bid, "gate_proj", experts, `${d}.ffn_gate_exps.weight`),
    stackedExperts(ckpt, bid, "up_proj", experts, `${d}.ffn_up_exps.weight`),
    stackedExperts(ckpt, bid, "down_proj", experts, `${d}.ffn_down_exps.weight`),
  );
  if (num(cfg, "n_shared_experts", 0) > 0) {
    jobs.push(
      directJob(ckpt, `${s}.mlp.shared_experts.gate_proj.weight`, `${d}.ffn_gate_shexp.weight`),
      directJob(ckpt, `${s}.mlp.shared_experts.up_proj.weight`, `${d}.ffn_up_shexp.weight`),
      directJob(ckpt, `${s}.mlp.shared_experts.down_proj.weight`, `${d}.ffn_down_shexp.weight`),
    );
  }
  return jobs;
}

function deepseekMetadata(cfg: HfConfig, isV3: boolean): Array<[string, GgufValue]> {
  const a = "deepseek2";
  // MLA is written as MQA over the compressed latent: one KV head of kv_lora + rope dims.
  const m = baseMetadata(a, cfg, { headCountKv: 1 });
  const rope = ropeParams(cfg);
  const rank = num(cfg, "kv_lora_rank");
  const ropeDim = num(cfg, "qk_rope_head_dim");
  const layers = num(cfg, "num_hidden_layers");
  const experts = optNum(cfg, "n_routed_experts");
  m.push([`${a}.rope.freq_base`, gv.f32(rope.theta)]);
  m.push([
    `${a}.leading_dense_block_count`,
    gv.u32(optNum(cfg, "first_k_dense_replace") ?? (experts ? 0 : layers)),
  ]);
  const qLora = optNum(cfg, "q_lora_rank");
  // llama.cpp requires this key unless the layer count matches a known lite model (26/27), then
  // picks attn_q over attn_q_a/attn_q_b by q_lora_rank > 0; writing 0 keeps MLA without q-LoRA
  // loadable at any depth (convert_hf_to_gguf.py omits it and relies on the layer count).
  m.push([`${a}.attention.q_lora_rank`, gv.u32(qLora ?? 0)]);
  m.push([`${a}.attention.kv_lora_rank`, gv.u32(rank)]);
  m.push([`${a}.attention.key_length`, gv.u32(rank + ropeDim)]);
  m.push([`${a}.attention.value_length`, gv.u32(rank)]);
  m.push([`${a}.attention.key_length_mla`, gv.u32(num(cfg, "qk_nope_head_dim") + ropeDim)]);
  m.push([`${a}.attention.value_length_mla`, gv.u32(num(cfg, "v_head_dim"))]);
  m.push([
    `${a}.expert_feed_forward_length`,
    gv.u32(optNum(cfg, "moe_intermediate_size") ?? num(cfg, "intermediate_size")),
  ]);
  if (experts) {
    m.push([`${a}.expert_count`, gv.u32(experts)]);
    m.push([`${a}.expert_used_count`, gv.u32(num(cfg, "num_experts_per_tok"))]);
  }
  m.push([`${a}.expert_shared_count`, gv.u32(num(cfg, "n_shared_experts", 0))]);
  const groups = optNum(cfg, "n_group");
  if (groups !== undefined) m.push([`${a}.expert_group_count`, gv.u32(groups)]);
  const groupsUsed = optNum(cfg, "topk_group");
  if (groupsUsed !== undefined) m.push([`${a}.expert_group_used_count`, gv.u32(groupsUsed)]);
  const scale = optNum(cfg, "routed_scaling_factor");
  if (scale !== undefined) m.push([`${a}.expert_weights_scale`, gv.f32(scale)]);
  if (cfg.norm_topk_prob === true) m.push([`${a}.expert_weights_norm`, gv.bool(true)]);
  // DeepSeek-V3 routes with sigmoid scores; transformers 5 configs drop `scoring_func`, so the
  // architecture decides when the key is absent (llama.cpp would otherwise assume softmax).
  const scoring = typeof cfg.scoring_func === "string" ? cfg.scoring_func : isV3 ? "sigmoid" : "softmax";
  if (scoring !== "sigmoid" && scoring !== "softmax")
    throw new UserInputError(`config.json: scoring_func ${scoring} is not supported`);
  m.push([`${a}.expert_gating_func`, gv.u32(scoring === "sigmoid" ? GATING_SIGMOID : GATING_SOFTMAX)]);
  m.push([`${a}.rope.dimension_count`, gv.u32(ropeDim)]);
  if (rope.type === "yarn" && rope.factor) {
    m.push([`${a}.rope.scaling.type`, gv.str("yarn")]);
    m.push([`${a}.rope.scaling.factor`, gv.f32(rope.factor)]);
    m.push([`${a}.rope.scaling.original_context_length`, gv.u32(rope.originalMaxPositions ?? 4096)]);
    if (rope.betaFast !== undefined) m.push([`${a}.rope.scaling.yarn_beta_fast`, gv.f32(rope.betaFast)]);
    if (rope.betaSlow !== undefined) m.push([`${a}.rope.scaling.yarn_beta_slow`, gv.f32(rope.betaSlow)]);
    // llama.cpp divides this by 0.1 again when loading deepseek2 (its TAG_DEEPSEEK2_YARN_LOG_MUL_FIX).
    if (rope.mscaleAllDim !== undefined)
      m.push([`${a}.rope.scaling.yarn_log_multiplier`, gv.f32(0.1 * rope.mscaleAllDim)]);
  }
  return m;
}

export const deepseek2Converter: ArchitectureConverter = {
  hfArchitectures: ["DeepseekV3ForCausalLM", "DeepseekV2ForCausalLM"],
  plan(cfg, ckpt): ConversionPlan {
    const isV3 = (cfg.architectures as string[])[0] === "DeepseekV3ForCausalLM";
    const layers = num(cfg, "num_hidden_layers");
    const experts = optNum(cfg, "n_routed_experts");
    const dense = optNum(cfg, "first_k_dense_replace") ?? (experts ? 0 : layers);
    const jobs: TensorJob[] = [
      directJob(ckpt, "model.embed_tokens.weight", "token_embd.weight"),
      directJob(ckpt, "model.norm.weight", "output_norm.weight"),
    ];
    const tied = cfg.tie_word_embeddings === true || !ckpt.has("lm_head.weight");
    if (!tied) jobs.push(directJob(ckpt, "lm_head.weight", "output.weight"));
    // Layers past num_hidden_layers are multi-token-prediction heads, which llama.cpp does not run.
    for (const bid of range(layers)) jobs.push(...layerJobs(ckpt, cfg, bid, dense));
    return {
      arch: "deepseek2",
      metadata: deepseekMetadata(cfg, isV3),
      tensors: jobs,
      layerCount: layers,
      expertCount: experts,
      tiedEmbeddings: tied,
    };
  },
};
