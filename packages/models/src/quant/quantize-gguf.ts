import { existsSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UserInputError } from "@seekdesk/core";
import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { ggufMeta, readGguf, readGgufTensorData } from "../gguf/reader.ts";
import { type GgufValue, gv } from "../gguf/types.ts";
import { type GgufTensorPlan, writeGguf } from "../gguf/writer.ts";
import {
  chooseTensorType,
  fileTypeFor,
  isQuantizable,
  parseQuantType,
  quantTypeName,
} from "./choose-type.ts";
import { dequantizeRows } from "./codec.ts";
import { type ErrorStats, errorStats, symmetricInt8Error } from "./error-stats.ts";
import { quantizeRowsParallel } from "./parallel.ts";

export interface QuantizeProgress {
  tensorsDone: number;
  tensorsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  tensor: string;
}

export interface QuantizeGgufOptions {
  /** q8_0, q4_0, q4_k or q6_k (f32/f16/bf16 also work); a name or the GgmlType. */
  type: string | GgmlType;
  /** Measure each requantized tensor's error against symmetric int8 (costs one extra decode). */
  report?: boolean;
  /** Worker threads for the k-quants (default: the machine's cores, at most 16). */
  threads?: number;
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
}

export interface TensorQuantReport {
  name: string;
  dims: number[];
  from: string;
  to: string;
  /** Per-row symmetric int8 (scale = max|x|/127): the baseline. */
  int8?: ErrorStats;
  /** The type this tensor was written in. */
  chosen?: ErrorStats;
}

export interface QuantizeGgufResult {
  outPath: string;
  type: string;
  tensorCount: number;
  bytesRead: number;
  bytesWritten: number;
  typeCounts: Record<string, number>;
  tensors: TensorQuantReport[];
}

const FLOAT_SOURCES = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

function numberMeta(v: unknown): number | undefined {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
}

/**
 * Requantizes a GGUF tensor by tensor: each F32/F16/BF16 tensor is decoded to float32, encoded in
 * the type llama.cpp would choose for it, and written before the next is read, so memory stays
 * near three copies of the largest tensor. Metadata is copied with general.file_type updated.
 */
export async function quantizeGguf(
  inPath: string,
  outPath: string,
  opts: QuantizeGgufOptions,
): Promise<QuantizeGgufResult> {
  const requested = typeof opts.type === "number" ? opts.type : parseQuantType(opts.type);
  const fileType = fileTypeFor(requested);
  if (resolve(inPath) === resolve(outPath))
    throw new UserInputError("the output must be a different file from the input");
  const outDir = dirname(resolve(outPath));
  if (!existsSync(outDir) || !statSync(outDir).isDirectory())
    throw new UserInputError(`output folder ${outDir} does not exist`);
  const file = await readGguf(inPath);
  const arch = ggufMeta(file, "general.architecture");
  const names = new Set(file.tensors.map((t) => t.name));
  const model = {
    layerCount: numberMeta(ggufMeta(file, `${arch}.block_count`)),
    expertCount: numberMeta(ggufMeta(file, `${arch}.expert_count`)),
    tiedEmbeddings: !names.has("output.weight"),
  };

  const plans: GgufTensorPlan[] = file.tensors.map((t) => {
    if (!isQuantizable(t.name, t.dims)) return { name: t.name, dims: t.dims, type: t.type };
    const target = chooseTensorType(t.name, t.dims, requested, model);
    if (target !== t.type && !FLOAT_SOURCES.has(t.type)) {
      throw new UserInputError(
        `tensor ${t.name} is already ${ggmlTypeInfo(t.type).name}; quantize from an F32, F16 or BF16 GGUF (seekdesk model convert --type bf16)`,
      );
    }
    return { name: t.name, dims: t.dims, type: target };
  });

  const metadata: Array<[string, GgufValue]> = [];
  for (const [key, value] of file.metadata) {
    if (key === "general.file_type" || key === "general.quantization_version") continue;
    metadata.push([key, value]);
  }
  metadata.push(["general.file_type", gv.u32(fileType)]);
  if (ggmlTypeInfo(requested).blockSize > 1) metadata.push(["general.quantization_version", gv.u32(2)]);

  const sourceBytes = file.tensors.map((t) => {
    const { blockSize, typeSize } = ggmlTypeInfo(t.type);
    return (t.dims.reduce((a, b) => a * b, 1) / blockSize) * typeSize;
  });
  const bytesTotal = sourceBytes.reduce((a, b) => a + b, 0);
  const reports: TensorQuantReport[] = [];
  const typeCounts: Record<string, number> = {};
  let bytesDone = 0;
  let bytesWritten = 0;
  const handle = await open(inPath, "r");
  try {
    await writeGguf(
      outPath,
      metadata,
      plans,
      async (plan, i) => {
        const src = file.tensors[i];
        const raw = await readGgufTensorData(file, src, handle);
        const entry: TensorQuantReport = {
          name: src.name,
          dims: src.dims,
          from: ggmlTypeInfo(src.type).name,
          to: ggmlTypeInfo(plan.type).name,
        };
        reports.push(entry);
        if (plan.type === src.type) return raw;
        const elements = src.dims.reduce((a, b) => a * b, 1);
        const data = dequantizeRows(src.type, raw, elements);
        const out = await quantizeRowsParallel(plan.type, data, src.dims[0], opts.threads);
        if (opts.report) {
          entry.chosen = errorStats(data, dequantizeRows(plan.type, out, elements));
          entry.int8 = symmetricInt8Error(data, src.dims[0]);
        }
        return out;
      },
      {
        signal: opts.signal,
        onTensorWritten: (i, t, bytes) => {
          bytesDone += sourceBytes[i];
          bytesWritten += bytes;
          const tn = ggmlTypeInfo(t.type).name;
          typeCounts[tn] = (typeCounts[tn] ?? 0) + 1;
          opts.onProgress?.({
            tensorsDone: i + 1,
            tensorsTotal: plans.length,
            bytesDone,
            bytesTotal,
            tensor: t.name,
          });
        },
      },
    );
  } finally {
    await handle.close();
  }
  return {
    outPath,
    type: quantTypeName(requested),
    tensorCount: plans.length,
    bytesRead: bytesDone,
    bytesWritten,
    typeCounts,
    tensors: reports,
  };
}
