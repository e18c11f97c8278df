import { UserInputError } from "@seekdesk/core";

/**
 * The hyper-parameters that decide a model's size and memory, read from a Hugging Face
 * config.json or a GGUF header. MLA and MoE fields are present only for models that have them.
 */
export interface ModelShape {
  /** Hugging Face `architectures[0]`, or the GGUF `general.architecture` for GGUF input. */
  architecture: string;
  /** llama.cpp's architecture name: deepseek2, qwen2 or llama. */
  llamaArchitecture: string;
  layers: number;
  /** Multi-token-prediction layers stored after the main ones (DeepSeek-V3); not run for decoding. */
  nextnLayers: number;
  hiddenSize: number;
  vocabSize: number;
  heads: number;
  kvHeads: number;
  /** Per-head K and V width for plain (GQA) attention. */
  headDim: number;
  feedForward: number;
  tiedEmbeddings: boolean;
  maxContext: number;
  attentionBias: boolean;
  mla?: MlaShape;
  moe?: MoeShape;
}

export interface MlaShape {
  /** 0 when queries are projected directly (DeepSeek-V2-Lite and the deepseek_v2 fixture). */
  qLoraRank: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
}

export interface MoeShape {
  routedExperts: number;
  sharedExperts: number;
  expertsPerToken: number;
  expertFeedForward: number;
  /** Leading layers with a dense MLP instead of experts (`first_k_dense_replace`). */
  denseLeadingLayers: number;
  /** DeepSeek-V3's per-expert score bias (`e_score_correction_bias`). */
  hasScoreBias: boolean;
}

const LLAMA_ARCH: Record<string, string> = {
  DeepseekV3ForCausalLM: "deepseek2",
  DeepseekV2ForCausalLM: "deepseek2",
  Qwen2ForCausalLM: "qwen2",
  LlamaForCausalLM: "llama",
};

export const INSPECT_ARCHITECTURES: readonly string[] = Object.keys(LLAMA_ARCH);

type Json = Record<string, unknown>;

function need(cfg: Json, key: string): number {
  const v = cfg[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new UserInputError(`config.json: ${key} is missing or not a number`);
  }
  return v;
}

function opt(cfg: Json, key: string): number | undefined {
  const v = cfg[key];
  return typeof v === "number" ? v : undefined;
}

export function shapeFromHfConfig(cfg: Json): ModelShape {
  const archs = cfg.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : undefined;
  if (!architecture) throw new UserInputError("config.json: no architectures entry");
  const llamaArchitecture = LLAMA_ARCH[architecture];
  if (!llamaArchitecture) {
    throw new UserInputError(
      `unsupported architecture ${architecture}; supported: ${INSPECT_ARCHITECTURES.join(", ")}`,
    );
  }
  const hiddenSize = need(cfg, "hidden_size");
  const heads = need(cfg, "num_attention_heads");
  const shape: ModelShape = {
    architecture,
    llamaArchitecture,
    layers: need(cfg, "num_hidden_layers"),
    nextnLayers: opt(cfg, "num_nextn_predict_layers") ?? 0,
    hiddenSize,
    vocabSize: need(cfg, "vocab_size"),
    heads,
    kvHeads: opt(cfg, "num_key_value_heads") ?? heads,
    headDim: opt(cfg, "head_dim") ?? hiddenSize / heads,
    feedForward: need(cfg, "intermediate_size"),
    tiedEmbeddings: cfg.tie_word_embeddings === true,
    maxContext: opt(cfg, "max_position_embeddings") ?? 4096,
    attentionBias: llamaArchitecture === "qwen2" || cfg.attention_bias === true,
  };
  if (llamaArchitecture === "deepseek2") {
    shape.mla = {
      qLoraRank: opt(cfg, "q_lora_rank") ?? 0,
      kvLoraRank: need(cfg, "kv_lora_rank"),
      qkNopeHeadDim: need(cfg, "qk_nope_head_dim"),
      qkRopeHeadDim: need(cfg, "qk_rope_head_dim"),
      vHeadDim: need(cfg, "v_head_dim"),
    };
    const routed = opt(cfg, "n_routed_experts") ?? 0;
    if (routed > 0) {
      shape.moe = {
        routedExperts: routed,
        sharedExperts: opt(cfg, "n_shared_experts") ?? 0,
        expertsPerToken: need(cfg, "num_experts_per_tok"),
        expertFeedForward: need(cfg, "moe_intermediate_size"),
        denseLeadingLayers: opt(cfg, "first_k_dense_replace") ?? 0,
        hasScoreBias: architecture === "DeepseekV3ForCausalLM" || cfg.topk_method === "noaux_tc",
      };
    }
  }
  return shape;
}

/** A GGUF metadata lookup: the plain value or undefined. */
export type MetaLookup = (key: string) => unknown;

export function shapeFromGgufMetadata(meta: MetaLookup, tensorNames: ReadonlySet<string>): ModelShape {
  const arch = meta("general.architecture");
  if (typeof arch !== "string") throw new UserInputError("GGUF has no general.architecture");
  const supported = ["deepseek2", "qwen2", "llama"];
  if (!supported.includes(arch)) {
    throw new UserInputError(`unsupported GGUF architecture ${arch}; supported: ${supported.join(", ")}`);
  }
  const n = (key: string): number | undefined => {
    const v = meta(`${arch}.${key}`);
    return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
  };
  const must = (key: string): number => {
    const v = n(key);
    if (v === undefined) throw new UserInputError(`GGUF is missing ${arch}.${key}`);
    return v;
  };
  const tokens = meta("tokenizer.ggml.tokens");
  const vocabSize = n("vocab_size") ?? (Array.isArray(tokens) ? tokens.length : 0);
  const heads = must("attention.head_count");
  const hiddenSize = must("embedding_length");
  const nextn = n("nextn_predict_layers") ?? 0;
  const shape: ModelShape = {
    architecture: arch,
    llamaArchitecture: arch,
    layers: must("block_count") - nextn,
    nextnLayers: nextn,
    hiddenSize,
    vocabSize,
    heads,
    kvHeads: n("attention.head_count_kv") ?? heads,
    headDim: n("attention.key_length") ?? hiddenSize / heads,
    feedForward: n("feed_forward_length") ?? 0,
    tiedEmbeddings: !tensorNames.has("output.weight"),
    maxContext: n("context_length") ?? 4096,
    attentionBias: tensorNames.has("blk.0.attn_q.bias"),
  };
  if (arch === "deepseek2") {
    const kvLoraRank = must("attention.kv_lora_rank");
    const rope = must("rope.dimension_count");
    // MLA GGUFs store the decompressed head sizes under *_mla; legacy ones in key/value_length.
    const kMla = n("attention.key_length_mla") ?? must("attention.key_length");
    const vMla = n("attention.value_length_mla") ?? must("attention.value_length");
    shape.mla = {
      qLoraRank: n("attention.q_lora_rank") ?? 0,
      kvLoraRank,
      qkNopeHeadDim: kMla - rope,
      qkRopeHeadDim: rope,
      vHeadDim: vMla,
    };
    const routed = n("expert_count") ?? 0;
    if (routed > 0) {
      shape.moe = {
        routedExperts: routed,
        sharedExperts: n("expert_shared_count") ?? 0,
        expertsPerToken: must("expert_used_count"),
        expertFeedForward: must("expert_feed_forward_length"),
        denseLeadingLayers: n("leading_dense_block_count") ?? 0,
        hasScoreBias: [...tensorNames].some((t) => t.endsWith("exp_probs_b.bias")),
      };
    }
  }
  return shape;
}
