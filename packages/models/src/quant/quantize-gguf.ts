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
import { ErrorAccumulator, type ErrorStats, symmetricInt8Roundtrip } from "./error-stats.ts";
import { defaultQuantizeThreads, quantizeRowsParallel } from "./parallel.ts";

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
  /** Worker threads the k-quants of large tensors were spread over. */
  threads: number;
}

const FLOAT_SOURCES = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

// Rows are decoded and encoded a slab at a time: memory holds the stored tensor, its encoding and
// one slab of float32, never the whole tensor as float32.
const SLAB_VALUES = 1 << 22;

async function requantizeInChunks(
  raw: Uint8Array,
  from: GgmlType,
  to: GgmlType,
  dims: number[],
  entry: TensorQuantReport,
  opts: QuantizeGgufOptions,
): Promise<Uint8Array> {
  const rowLength = dims[0];
  const rows = dims.reduce((a, b) => a * b, 1) / rowLength;
  const inRow = (rowLength / ggmlTypeInfo(from).blockSize) * ggmlTypeInfo(from).typeSize;
  const outRow = (rowLength / ggmlTypeInfo(to).blockSize) * ggmlTypeInfo(to).typeSize;
  const out = new Uint8Array(rows * outRow);
  const slabRows = Math.max(1, Math.floor(SLAB_VALUES / rowLength));
  const chosen = new ErrorAccumulator();
  const int8 = new ErrorAccumulator();
  for (let r = 0; r < rows; r += slabRows) {
    opts.signal?.throwIfAborted();
    const n = Math.min(slabRows, rows - r);
    const data = dequantizeRows(from, raw.subarray(r * inRow, (r + n) * inRow), n * rowLength);
    const encoded = await quantizeRowsParallel(to, data, rowLength, opts.threads ?? defaultQuantizeThreads());
    out.set(encoded, r * outRow);
    if (opts.report) {
      chosen.add(data, dequantizeRows(to, encoded, n * rowLength));
      int8.add(data, symmetricInt8Roundtrip(data, rowLength));
    }
  }
  if (opts.report) {
    entry.chosen = chosen.result();
    entry.int8 = int8.result();
  }
  return out;
}

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
        return requantizeInChunks(raw, src.type, plan.type, src.dims, entry, opts);
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
    threads: opts.threads ?? defaultQuantizeThreads(),
  };
}
