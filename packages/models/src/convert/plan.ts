import type { GgufValue } from "../gguf/types.ts";
import type { SafetensorsCheckpoint } from "../safetensors/reader.ts";
import type { HfConfig } from "./hf-config.ts";

/** One output tensor: its GGUF name, ggml dims (row length first) and how to load it as float32. */
export interface TensorJob {
  name: string;
  dims: number[];
  /** Bytes of source data this job reads, for progress and throughput. */
  sourceBytes: number;
  load: () => Promise<Float32Array>;
  /**
   * For tensors copied unchanged from a float checkpoint tensor: the stored bytes, so the writer
   * can decode and encode them in row slabs instead of holding a whole float32 copy.
   */
  loadRaw?: () => Promise<{ bytes: Uint8Array; dtype: "F32" | "F16" | "BF16" }>;
}

export interface ConversionPlan {
  arch: string;
  metadata: Array<[string, GgufValue]>;
  tensors: TensorJob[];
  /** Hints for the quantizer's type mix. */
  layerCount: number;
  expertCount?: number;
  tiedEmbeddings: boolean;
}

export interface ArchitectureConverter {
  /** Hugging Face `architectures[0]` values handled. */
  hfArchitectures: string[];
  plan(cfg: HfConfig, ckpt: SafetensorsCheckpoint): ConversionPlan;
}

/** GGUF dims of a PyTorch-shaped tensor: ggml lists the contiguous dimension first. */
export function ggmlDims(shape: number[]): number[] {
  return [...shape].reverse();
}

/** A job that copies one checkpoint tensor under a new name, optionally transformed. */
export function directJob(
  ckpt: SafetensorsCheckpoint,
  source: string,
  name: string,
  transform?: (data: Float32Array, shape: number[]) => Float32Array,
): TensorJob {
  const info = ckpt.info(source);
  const dtype = info.dtype;
  const rawCopy = !transform && (dtype === "F32" || dtype === "F16" || dtype === "BF16");
  return {
    name,
    dims: ggmlDims(info.shape),
    sourceBytes: info.byteLength,
    loadRaw: rawCopy ? async () => ({ bytes: await ckpt.readRaw(source), dtype }) : undefined,
    load: async () => {
      const data = await ckpt.readFloat32(source);
      return transform ? transform(data, info.shape) : data;
    },
  };
}
