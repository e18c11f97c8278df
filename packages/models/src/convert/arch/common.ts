import { type GgufValue, gv } from "../../gguf/types.ts";
import { type HfConfig, num, optNum } from "../hf-config.ts";

/** The hyperparameters every llama.cpp text architecture reads (convert_hf_to_gguf.py's TextModel). */
export function baseMetadata(
  arch: string,
  cfg: HfConfig,
  overrides: { headCountKv?: number } = {},
): Array<[string, GgufValue]> {
  const m: Array<[string, GgufValue]> = [
    ["general.architecture", gv.str(arch)],
    [`${arch}.block_count`, gv.u32(num(cfg, "num_hidden_layers"))],
    [`${arch}.context_length`, gv.u32(num(cfg, "max_position_embeddings", 4096))],
    [`${arch}.embedding_length`, gv.u32(num(cfg, "hidden_size"))],
    [`${arch}.feed_forward_length`, gv.u32(num(cfg, "intermediate_size"))],
    [`${arch}.attention.head_count`, gv.u32(num(cfg, "num_attention_heads"))],
    [
      `${arch}.attention.head_count_kv`,
      gv.u32(overrides.headCountKv ?? num(cfg, "num_key_value_heads", num(cfg, "num_attention_heads"))),
    ],
    [`${arch}.attention.layer_norm_rms_epsilon`, gv.f32(num(cfg, "rms_norm_eps", 1e-6))],
    [`${arch}.vocab_size`, gv.u32(num(cfg, "vocab_size"))],
  ];
  return m;
}

export function headDim(cfg: HfConfig): number {
  return optNum(cfg, "head_dim") ?? num(cfg, "hidden_size") / num(cfg, "num_attention_heads");
}

/** Indices 0..n-1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
