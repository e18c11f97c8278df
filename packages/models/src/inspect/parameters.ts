import type { ModelShape } from "./model-shape.ts";
import type { WeightTensor } from "./tensor-list.ts";

export interface ParameterCount {
  /** Every weight of the main model (multi-token-prediction layers are counted apart). */
  total: number;
  /** Weights one token runs through: all dense parts plus top-k routed and all shared experts. */
  activePerToken: number;
  routedExperts: number;
  embedding: number;
  /** Weights of DeepSeek-V3's multi-token-prediction layers; llama.cpp does not run them. */
  mtp: number;
}

function activeFraction(shape: ModelShape): number {
  return shape.moe ? shape.moe.expertsPerToken / shape.moe.routedExperts : 1;
}

/** Counts parameters from the tensors actually stored (safetensors headers or the GGUF header). */
export function countParameters(weights: readonly WeightTensor[], shape: ModelShape): ParameterCount {
  let total = 0;
  let routed = 0;
  let embedding = 0;
  let mtp = 0;
  for (const w of weights) {
    if (w.mtp) {
      mtp += w.elements;
      continue;
    }
    total += w.elements;
    if (w.routedExpert) routed += w.elements;
    if (w.name === "token_embd.weight") embedding += w.elements;
  }
  return {
    total,
    activePerToken: total - routed + routed * activeFraction(shape),
    routedExperts: routed,
    embedding,
    mtp,
  };
}

/**
 * Parameters from config.json alone, by the architecture's formulas: used when only the config is
 * at hand (planning a download), and as an independent check on the header count.
 */
export function parametersFromShape(shape: ModelShape): ParameterCount {
  const h = shape.hiddenSize;
  let attention: number;
  if (shape.mla) {
    const { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = shape.mla;
    const qHead = qkNopeHeadDim + qkRopeHeadDim;
    const q =
      qLoraRank > 0 ? h * qLoraRank + qLoraRank + qLoraRank * shape.heads * qHead : h * shape.heads * qHead;
    attention =
      q +
      h * (kvLoraRank + qkRopeHeadDim) +
      kvLoraRank +
      kvLoraRank * shape.heads * (qkNopeHeadDim + vHeadDim) +
      shape.heads * vHeadDim * h;
  } else {
    const qDim = shape.heads * shape.headDim;
    const kvDim = shape.kvHeads * shape.headDim;
    attention = h * qDim + 2 * h * kvDim + qDim * h + (shape.attentionBias ? qDim + 2 * kvDim : 0);
  }
  const norms = 2 * h;
  const dense = 3 * h * shape.feedForward;
  let routedPerLayer = 0;
  let moeLayer = dense;
  const moe = shape.moe;
  if (moe) {
    routedPerLayer = moe.routedExperts * 3 * h * moe.expertFeedForward;
    const shared = 3 * h * moe.expertFeedForward * moe.sharedExperts;
    const router = moe.routedExperts * h + (moe.hasScoreBias ? moe.routedExperts : 0);
    moeLayer = routedPerLayer + shared + router;
  }
  const denseLayers = moe ? Math.min(moe.denseLeadingLayers, shape.layers) : shape.layers;
  const moeLayers = shape.layers - denseLayers;
  const embedding = shape.vocabSize * h;
  const total =
    shape.layers * (attention + norms) +
    denseLayers * dense +
    moeLayers * moeLayer +
    embedding +
    (shape.tiedEmbeddings ? 0 : embedding) +
    h;
  const routed = moeLayers * routedPerLayer;
  // A DeepSeek-V3 MTP layer is one MoE decoder layer plus its projection (2h→h), three norms and
  // its own copies of the embedding and output head, as the published checkpoint stores them.
  const mtpLayer = attention + norms + moeLayer + 2 * h * h + 3 * h + 2 * embedding;
  return {
    total,
    activePerToken: total - routed + routed * activeFraction(shape),
    routedExperts: routed,
    embedding,
    mtp: shape.nextnLayers * mtpLayer,
  };
}
