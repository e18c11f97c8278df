import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { fixtureModelDir } from "@seekdesk/core";

/**
 * Writes a DeepSeek-V3-architecture checkpoint scaled to about `gb` GB of BF16 in `dir`: MLA with
 * q-LoRA, 64 routed + 1 shared experts, one dense leading layer, sharded with an index like the
 * published checkpoints. Tensors are generated and written one at a time, so making it costs no
 * memory. The tokenizer is the DeepSeek-V3 fixture's, so vocab_size is the real 129280.
 */
export interface ScaledCheckpoint {
  dir: string;
  bytes: number;
  tensors: number;
  largestTensorBytes: number;
  layers: number;
}

const HIDDEN = 1024;
const VOCAB = 129280;

function config(layers: number): Record<string, unknown> {
  return {
    architectures: ["DeepseekV3ForCausalLM"],
    model_type: "deepseek_v3",
    hidden_size: HIDDEN,
    intermediate_size: 2816,
    moe_intermediate_size: 512,
    num_hidden_layers: layers,
    num_attention_heads: 16,
    num_key_value_heads: 16,
    n_routed_experts: 64,
    n_shared_experts: 1,
    num_experts_per_tok: 6,
    first_k_dense_replace: 1,
    n_group: 8,
    topk_group: 4,
    topk_method: "noaux_tc",
    norm_topk_prob: true,
    routed_scaling_factor: 2.5,
    scoring_func: "sigmoid",
    q_lora_rank: 384,
    kv_lora_rank: 256,
    qk_nope_head_dim: 64,
    qk_rope_head_dim: 32,
    v_head_dim: 64,
    head_dim: 32,
    qk_head_dim: 96,
    rms_norm_eps: 1e-6,
    max_position_embeddings: 16384,
    rope_theta: 10000,
    rope_scaling: {
      type: "yarn",
      factor: 4,
      original_max_position_embeddings: 4096,
      beta_fast: 32,
      beta_slow: 1,
      mscale: 1,
      mscale_all_dim: 1,
    },
    tie_word_embeddings: false,
    vocab_size: VOCAB,
    bos_token_id: 0,
    eos_token_id: 1,
    hidden_act: "silu",
    attention_bias: false,
  };
}

type Tensor = [name: string, shape: number[]];

function layerTensors(l: number, dense: boolean): Tensor[] {
  const p = `model.layers.${l}`;
  const t: Tensor[] = [
    [`${p}.input_layernorm.weight`, [HIDDEN]],
    [`${p}.post_attention_layernorm.weight`, [HIDDEN]],
    [`${p}.self_attn.q_a_proj.weight`, [384, HIDDEN]],
    [`${p}.self_attn.q_a_layernorm.weight`, [384]],
    [`${p}.self_attn.q_b_proj.weight`, [16 * 96, 384]],
    [`${p}.self_attn.kv_a_proj_with_mqa.weight`, [256 + 32, HIDDEN]],
    [`${p}.self_attn.kv_a_layernorm.weight`, [256]],
    [`${p}.self_attn.kv_b_proj.weight`, [16 * (64 + 64), 256]],
    [`${p}.self_attn.o_proj.weight`, [HIDDEN, 16 * 64]],
  ];
  if (dense) {
    t.push(
      [`${p}.mlp.gate_proj.weight`, [2816, HIDDEN]],
      [`${p}.mlp.up_proj.weight`, [2816, HIDDEN]],
      [`${p}.mlp.down_proj.weight`, [HIDDEN, 2816]],
    );
    return t;
  }
  t.push([`${p}.mlp.gate.weight`, [64, HIDDEN]], [`${p}.mlp.gate.e_score_correction_bias`, [64]]);
  for (let e = 0; e < 64; e++) {
    t.push(
      [`${p}.mlp.experts.${e}.gate_proj.weight`, [512, HIDDEN]],
      [`${p}.mlp.experts.${e}.up_proj.weight`, [512, HIDDEN]],
      [`${p}.mlp.experts.${e}.down_proj.weight`, [HIDDEN, 512]],
    );
  }
  t.push(
    [`${p}.mlp.shared_experts.gate_proj.weight`, [512, HIDDEN]],
    [`${p}.mlp.shared_experts.up_proj.weight`, [512, HIDDEN]],
    [`${p}.mlp.shared_experts.down_proj.weight`, [HIDDEN, 512]],
  );
  return t;
}

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** BF16 values of magnitude 2^-8..2^-4 with random sign and mantissa: weight-like, never Inf/NaN. */
function fillBf16(out: Uint16Array, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s & 0x807f) | ((0x77 + ((s >>> 8) & 3)) << 7);
  }
}

export async function makeScaledCheckpoint(dir: string, gb: number): Promise<ScaledCheckpoint> {
  mkdirSync(dir, { recursive: true });
  const embedBytes = 2 * 2 * VOCAB * HIDDEN;
  const moeLayerBytes = 2 * elements([512, HIDDEN]) * 3 * 65;
  const layers = Math.max(2, 1 + Math.round((gb * 1e9 - embedBytes) / moeLayerBytes));
  writeFileSync(join(dir, "config.json"), JSON.stringify(config(layers), null, 2));
  const fixture = fixtureModelDir("deepseek_v3");
  for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"])
    copyFileSync(join(fixture, f), join(dir, f));

  // One shard for the embeddings, one per layer, one for the head: the published layout in small.
  const shards: Tensor[][] = [[["model.embed_tokens.weight", [VOCAB, HIDDEN]]]];
  for (let l = 0; l < layers; l++) shards.push(layerTensors(l, l === 0));
  shards.push([
    ["model.norm.weight", [HIDDEN]],
    ["lm_head.weight", [VOCAB, HIDDEN]],
  ]);
  const weightMap: Record<string, string> = {};
  let bytes = 0;
  let tensors = 0;
  let largest = 0;
  let seed = 1;
  for (const [i, shard] of shards.entries()) {
    const file = `model-${String(i + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`;
    const header: Record<string, unknown> = {};
    let offset = 0;
    for (const [name, shape] of shard) {
      const n = 2 * elements(shape);
      header[name] = { dtype: "BF16", shape, data_offsets: [offset, offset + n] };
      offset += n;
      weightMap[name] = file;
      largest = Math.max(largest, n);
      tensors++;
    }
    let json = Buffer.from(JSON.stringify(header));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const handle = await open(join(dir, file), "w");
    try {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      await handle.write(len);
      await handle.write(json);
      for (const [name, shape] of shard) {
        const data = new Uint16Array(elements(shape));
        if (name.includes("norm"))
          data.fill(0x3f80); // 1.0, as initialised norms are
        else fillBf16(data, seed++);
        await handle.write(new Uint8Array(data.buffer));
      }
    } finally {
      await handle.close();
    }
    bytes += 8 + json.length + offset;
  }
  writeFileSync(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ metadata: { total_size: bytes }, weight_map: weightMap }),
  );
  return { dir, bytes, tensors, largestTensorBytes: largest, layers };
}
