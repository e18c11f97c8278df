import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { UserInputError } from "@seekdesk/core";
import { type GgmlType, ggmlByteSize, ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { type GgufValue, gv } from "../gguf/types.ts";
import { type GgufTensorPlan, writeGguf } from "../gguf/writer.ts";
import { chooseTensorType, fileTypeFor, parseQuantType, quantizeRows } from "../quant/index.ts";
import { SafetensorsCheckpoint } from "../safetensors/reader.ts";
import { buildGgufTokenizer } from "../tokenizer/gguf-vocab.ts";
import { deepseek2Converter } from "./arch/deepseek2.ts";
import { llamaConverter, qwen2Converter } from "./arch/llama.ts";
import { architectureOf, num, readHfConfig } from "./hf-config.ts";
import { decodeBf16Array, decodeF16Array } from "./numeric.ts";
import type { ArchitectureConverter, TensorJob } from "./plan.ts";

export { splitKvB } from "./arch/deepseek2.ts";
export { llama3RopeFactors, permuteForPairRope } from "./arch/llama.ts";
export type { ArchitectureConverter, ConversionPlan, TensorJob } from "./plan.ts";

const CONVERTERS: ArchitectureConverter[] = [deepseek2Converter, qwen2Converter, llamaConverter];

export const SUPPORTED_ARCHITECTURES: readonly string[] = CONVERTERS.flatMap((c) => c.hfArchitectures);

export interface ConvertProgress {
  tensorsDone: number;
  tensorsTotal: number;
  /** Source bytes consumed so far and in total: the honest measure of work done. */
  bytesDone: number;
  bytesTotal: number;
  tensor: string;
}

export interface ConvertOptions {
  /** f32, f16, bf16, q8_0, q4_0, q4_k or q6_k (or the GgmlType). Default bf16, lossless for bf16 checkpoints. */
  type?: string | GgmlType;
  onProgress?: (p: ConvertProgress) => void;
  signal?: AbortSignal;
  /** general.name; defaults to the checkpoint folder's name. */
  name?: string;
}

export interface ConvertResult {
  outPath: string;
  arch: string;
  hfArchitecture: string;
  tensorCount: number;
  bytesRead: number;
  bytesWritten: number;
  /** Tensor count per written ggml type name. */
  typeCounts: Record<string, number>;
  preTokenizer: string;
}

// Rows are decoded and encoded this many float32 values at a time, so peak memory is the source
// tensor plus its encoded form, not a float32 copy of the whole tensor.
const SLAB_VALUES = 1 << 20;

function decodeSlab(
  bytes: Uint8Array,
  dtype: "F32" | "F16" | "BF16",
  start: number,
  count: number,
): Float32Array {
  if (dtype === "F32") return new Float32Array(bytes.slice(start * 4, (start + count) * 4).buffer);
  const part = bytes.subarray(start * 2, (start + count) * 2);
  return dtype === "BF16" ? decodeBf16Array(part) : decodeF16Array(part);
}

async function encodeTensor(job: TensorJob, t: GgufTensorPlan): Promise<Uint8Array> {
  const rowLength = t.dims[0];
  if (!job.loadRaw) return quantizeRows(t.type, await job.load(), rowLength);
  const { bytes, dtype } = await job.loadRaw();
  const elements = t.dims.reduce((a, b) => a * b, 1);
  const rows = elements / rowLength;
  const rowBytes = ggmlByteSize(t.type, rowLength);
  const out = new Uint8Array(rows * rowBytes);
  const rowsPerSlab = Math.max(1, Math.floor(SLAB_VALUES / rowLength));
  for (let r = 0; r < rows; r += rowsPerSlab) {
    const n = Math.min(rowsPerSlab, rows - r);
    out.set(
      quantizeRows(t.type, decodeSlab(bytes, dtype, r * rowLength, n * rowLength), rowLength),
      r * rowBytes,
    );
  }
  return out;
}

function converterFor(hfArch: string): ArchitectureConverter {
  const c = CONVERTERS.find((x) => x.hfArchitectures.includes(hfArch));
  if (!c) {
    throw new UserInputError(
      `unsupported architecture ${hfArch}; supported: ${SUPPORTED_ARCHITECTURES.join(", ")}`,
    );
  }
  return c;
}

function f8BlockSize(cfg: Record<string, unknown>): [number, number] | undefined {
  const q = cfg.quantization_config as { weight_block_size?: unknown } | undefined;
  const b = q?.weight_block_size;
  return Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === "number")
    ? [b[0], b[1]]
    : undefined;
}

/**
 * Converts a Hugging Face checkpoint folder to one GGUF file that llama.cpp loads, tensor by
 * tensor: peak memory is about three times the largest tensor (source, float32, encoded), never
 * the model. The output appears only when complete.
 */
export async function convertCheckpoint(
  hfDir: string,
  outPath: string,
  opts: ConvertOptions = {},
): Promise<ConvertResult> {
  const requested = typeof opts.type === "number" ? opts.type : parseQuantType(opts.type ?? "bf16");
  fileTypeFor(requested);
  if (!existsSync(hfDir) || !statSync(hfDir).isDirectory())
    throw new UserInputError(`${hfDir}: no such folder`);
  const outDir = dirname(resolve(outPath));
  if (!existsSync(outDir)) throw new UserInputError(`output folder ${outDir} does not exist`);
  const cfg = readHfConfig(hfDir);
  const hfArch = architectureOf(cfg);
  const converter = converterFor(hfArch);
  const ckpt = await SafetensorsCheckpoint.open(hfDir, { f8BlockSize: f8BlockSize(cfg) });
  try {
    const plan = converter.plan(cfg, ckpt);
    const tokenizer = buildGgufTokenizer(hfDir, num(cfg, "vocab_size"), cfg);
    const quantized = ggmlTypeInfo(requested).blockSize > 1;
    const [archEntry, ...archMeta] = plan.metadata;
    const metadata: Array<[string, GgufValue]> = [
      archEntry,
      ["general.type", gv.str("model")],
      ["general.name", gv.str(opts.name ?? basename(resolve(hfDir)))],
      ...archMeta,
      ["general.file_type", gv.u32(fileTypeFor(requested))],
      ...(quantized ? ([["general.quantization_version", gv.u32(2)]] as Array<[string, GgufValue]>) : []),
      ...tokenizer.metadata,
    ];
    const modelInfo = {
      layerCount: plan.layerCount,
      expertCount: plan.expertCount,
      tiedEmbeddings: plan.tiedEmbeddings,
    };
    const tensors: GgufTensorPlan[] = plan.tensors.map((job) => ({
      name: job.name,
      dims: job.dims,
      type: chooseTensorType(job.name, job.dims, requested, modelInfo),
    }));
    const bytesTotal = plan.tensors.reduce((s, j) => s + j.sourceBytes, 0);
    let bytesDone = 0;
    let bytesWritten = 0;
    const typeCounts: Record<string, number> = {};
    await writeGguf(outPath, metadata, tensors, (t, i) => encodeTensor(plan.tensors[i], t), {
      signal: opts.signal,
      onTensorWritten: (i, t, bytes) => {
        bytesDone += plan.tensors[i].sourceBytes;
        bytesWritten += bytes;
        const tn = ggmlTypeInfo(t.type).name;
        typeCounts[tn] = (typeCounts[tn] ?? 0) + 1;
        opts.onProgress?.({
          tensorsDone: i + 1,
          tensorsTotal: tensors.length,
          bytesDone,
          bytesTotal,
          tensor: t.name,
        });
      },
    });
    return {
      outPath,
      arch: plan.arch,
      hfArchitecture: hfArch,
      tensorCount: tensors.length,
      bytesRead: bytesDone,
      bytesWritten,
      typeCounts,
      preTokenizer: tokenizer.pre,
    };
  } finally {
    await ckpt.close();
  }
}
