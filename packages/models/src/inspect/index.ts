import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserInputError } from "@seekdesk/core";
import { ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { ggufMeta, readGguf } from "../gguf/reader.ts";
import { SafetensorsCheckpoint } from "../safetensors/reader.ts";
import {
  type FitOption,
  type GpuFit,
  gpuFit,
  type KvCachePlan,
  kvCachePlan,
  type WeightsPlan,
  weightsPlan,
} from "./memory-plan.ts";
import { type ModelShape, shapeFromGgufMetadata, shapeFromHfConfig } from "./model-shape.ts";
import { countParameters, type ParameterCount, parametersFromShape } from "./parameters.ts";
import { type WeightTensor, weightsFromHfHeaders, weightsFromShape } from "./tensor-list.ts";
import { formatBytes, formatCount } from "./units.ts";

export {
  type FitOption,
  type GpuFit,
  type KvCachePlan,
  PLAN_TYPES,
  type WeightsPlan,
} from "./memory-plan.ts";
export {
  INSPECT_ARCHITECTURES,
  type MlaShape,
  type ModelShape,
  type MoeShape,
  shapeFromHfConfig,
} from "./model-shape.ts";
export { countParameters, type ParameterCount, parametersFromShape } from "./parameters.ts";
export { type WeightTensor, weightsFromHfHeaders, weightsFromShape } from "./tensor-list.ts";
export { formatBytes, formatCount, parseByteSize } from "./units.ts";

export interface InspectOptions {
  /** Context length for the KV cache line and the fit check (default 4096). */
  ctx?: number;
  /** GPU memory to plan for, in bytes. */
  gpuMemBytes?: number;
}

export interface TensorTypeSummary {
  type: string;
  tensors: number;
  parameters: number;
  bytes: number;
}

export interface ModelReport {
  path: string;
  source: "hf" | "gguf";
  /** Where the parameter counts come from: stored tensor headers, or config.json formulas. */
  countedFrom: "tensor headers" | "config formulas";
  architecture: string;
  llamaArchitecture: string;
  layers: number;
  hiddenSize: number;
  vocabSize: number;
  attention: string;
  experts?: {
    routed: number;
    shared: number;
    activePerToken: number;
    denseLeadingLayers: number;
    moeLayers: number;
  };
  parameters: ParameterCount;
  tensorTypes: TensorTypeSummary[];
  largestTensor: { name: string; bytes: number };
  storedBytes: number;
  weights: WeightsPlan[];
  kvCache: KvCachePlan;
  gpu?: GpuFit;
}

function summarizeTypes(weights: readonly WeightTensor[]): TensorTypeSummary[] {
  const byType = new Map<string, TensorTypeSummary>();
  for (const w of weights) {
    const s = byType.get(w.storedType) ?? { type: w.storedType, tensors: 0, parameters: 0, bytes: 0 };
    s.tensors++;
    s.parameters += w.elements;
    s.bytes += w.storedBytes;
    byType.set(w.storedType, s);
  }
  return [...byType.values()].sort((a, b) => b.bytes - a.bytes);
}

function attentionLabel(shape: ModelShape): string {
  if (shape.mla) {
    const m = shape.mla;
    const q = m.qLoraRank > 0 ? `q_lora_rank ${m.qLoraRank}` : "no q-LoRA";
    return `MLA, ${shape.heads} heads, kv_lora_rank ${m.kvLoraRank}, ${q}, qk ${m.qkNopeHeadDim}+${m.qkRopeHeadDim} (nope+rope), v ${m.vHeadDim}`;
  }
  const kind = shape.kvHeads === shape.heads ? "MHA" : "GQA";
  return `${kind}, ${shape.heads} heads, ${shape.kvHeads} KV heads, head dim ${shape.headDim}`;
}

async function hfInput(
  dir: string,
): Promise<{ shape: ModelShape; weights: WeightTensor[]; fromHeaders: boolean }> {
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath))
    throw new UserInputError(`${dir}: config.json is missing (is this a Hugging Face checkpoint folder?)`);
  let cfg: unknown;
  try {
    cfg = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (err) {
    throw new UserInputError(`${configPath}: cannot parse (${(err as Error).message})`);
  }
  if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg))
    throw new UserInputError(`${configPath}: not a JSON object`);
  const shape = shapeFromHfConfig(cfg as Record<string, unknown>);
  const hasWeights = readdirSync(dir).some(
    (f) => f.endsWith(".safetensors") || f === "model.safetensors.index.json",
  );
  if (!hasWeights) return { shape, weights: weightsFromShape(shape), fromHeaders: false };
  const ckpt = await SafetensorsCheckpoint.open(dir);
  try {
    const headers = ckpt.names.map((name) => {
      const info = ckpt.info(name);
      return { name, dtype: info.dtype, shape: info.shape, byteLength: info.byteLength };
    });
    return { shape, weights: weightsFromHfHeaders(headers, shape), fromHeaders: true };
  } finally {
    await ckpt.close();
  }
}

async function ggufInput(
  path: string,
): Promise<{ shape: ModelShape; weights: WeightTensor[]; mlaLayout: boolean }> {
  const file = await readGguf(path);
  const names = new Set(file.tensors.map((t) => t.name));
  const meta = (key: string) => ggufMeta(file, key);
  const shape = shapeFromGgufMetadata(meta, names);
  const nextnFrom = shape.layers;
  const weights = file.tensors.map((t) => {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const info = ggmlTypeInfo(t.type);
    const layer = /^blk\.(\d+)\./.exec(t.name);
    return {
      name: t.name,
      dims: t.dims,
      elements,
      storedType: info.name,
      storedBytes: (elements / info.blockSize) * info.typeSize,
      routedExpert: t.name.includes("_exps."),
      mtp: layer !== null && Number(layer[1]) >= nextnFrom,
    };
  });
  const mlaLayout = meta(`${shape.llamaArchitecture}.attention.key_length_mla`) !== undefined;
  return { shape, weights, mlaLayout };
}

/** Reads a Hugging Face folder (config.json + safetensors headers) or a GGUF header; no tensor data. */
export async function inspectModel(path: string, opts: InspectOptions = {}): Promise<ModelReport> {
  if (!existsSync(path)) throw new UserInputError(`${path}: no such file or folder`);
  const ctx = opts.ctx ?? 4096;
  if (!Number.isInteger(ctx) || ctx <= 0)
    throw new UserInputError(`--ctx must be a positive integer, got ${ctx}`);
  const isDir = statSync(path).isDirectory();
  let shape: ModelShape;
  let weights: WeightTensor[];
  let fromHeaders = true;
  let mlaLayout = true;
  if (isDir) {
    ({ shape, weights, fromHeaders } = await hfInput(path));
  } else {
    ({ shape, weights, mlaLayout } = await ggufInput(path));
  }
  const parameters = fromHeaders ? countParameters(weights, shape) : parametersFromShape(shape);
  const weightPlan = weightsPlan(weights, shape);
  const kvCache = kvCachePlan(shape, ctx, mlaLayout);
  const largest = weights.reduce((a, w) => (w.storedBytes > a.storedBytes ? w : a), weights[0]);
  const moe = shape.moe;
  return {
    path,
    source: isDir ? "hf" : "gguf",
    countedFrom: fromHeaders ? "tensor headers" : "config formulas",
    architecture: shape.architecture,
    llamaArchitecture: shape.llamaArchitecture,
    layers: shape.layers,
    hiddenSize: shape.hiddenSize,
    vocabSize: shape.vocabSize,
    attention: attentionLabel(shape),
    experts: moe
      ? {
          routed: moe.routedExperts,
          shared: moe.sharedExperts,
          activePerToken: moe.expertsPerToken,
          denseLeadingLayers: moe.denseLeadingLayers,
          moeLayers: shape.layers - moe.denseLeadingLayers,
        }
      : undefined,
    parameters,
    tensorTypes: summarizeTypes(weights),
    largestTensor: { name: largest?.name ?? "", bytes: largest?.storedBytes ?? 0 },
    storedBytes: weights.reduce((a, w) => a + w.storedBytes, 0),
    weights: weightPlan,
    kvCache,
    gpu: opts.gpuMemBytes === undefined ? undefined : gpuFit(weightPlan, kvCache, shape, opts.gpuMemBytes),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "))
    .join("\n");
}

function fitRow(o: FitOption): string[] {
  return [
    o.type,
    formatBytes(o.weightsBytes),
    o.fits ? "yes" : "no",
    o.maxContext > 0 ? String(o.maxContext) : "-",
  ];
}

/** The report as the CLI prints it. */
export function formatInspectReport(r: ModelReport): string {
  const lines: string[] = [];
  lines.push(`${r.path}`);
  lines.push(`  architecture   ${r.architecture} (llama.cpp: ${r.llamaArchitecture})`);
  lines.push(`  layers         ${r.layers}, hidden ${r.hiddenSize}, vocab ${r.vocabSize}`);
  lines.push(`  attention      ${r.attention}`);
  if (r.experts) {
    const e = r.experts;
    lines.push(
      `  experts        ${e.routed} routed + ${e.shared} shared, ${e.activePerToken} routed active per token; ${e.denseLeadingLayers} dense + ${e.moeLayers} MoE layers`,
    );
  }
  const p = r.parameters;
  lines.push(
    `  parameters     ${formatCount(p.total)} total, ${formatCount(p.activePerToken)} active per token (from ${r.countedFrom})`,
  );
  if (p.mtp > 0)
    lines.push(
      `                 + ${formatCount(p.mtp)} in multi-token-prediction layers (not loaded by llama.cpp)`,
    );
  lines.push("");
  lines.push(
    r.countedFrom === "tensor headers"
      ? "tensors as stored"
      : "tensors (no safetensors here: estimated from config.json as BF16)",
  );
  lines.push(
    table([
      ["type", "tensors", "parameters", "size"],
      ...r.tensorTypes.map((t) => [
        t.type,
        String(t.tensors),
        formatCount(t.parameters),
        formatBytes(t.bytes),
      ]),
    ]).replace(/^/gm, "  "),
  );
  lines.push(`  largest tensor ${r.largestTensor.name} (${formatBytes(r.largestTensor.bytes)})`);
  lines.push("");
  lines.push("weights by type (norms and routers stay F32, output Q6_K, as llama.cpp)");
  lines.push(
    table([
      ["type", "size", "bits/weight"],
      ...r.weights.map((w) => [w.type, formatBytes(w.bytes), w.bitsPerWeight.toFixed(2)]),
    ]).replace(/^/gm, "  "),
  );
  lines.push("");
  const kv = r.kvCache;
  lines.push(`KV cache (f16), ${kv.ctx} tokens`);
  const kvRows = [["", "per token", `for ${kv.ctx}`]];
  const layoutName = {
    "mla-latent": "MLA latent (K only)",
    "full-kv": "full K/V (legacy attn_kv_b)",
    gqa: "K + V",
  }[kv.llamaCppLayout];
  kvRows.push([
    `llama.cpp allocates: ${layoutName}`,
    formatBytes(kv.llamaCppBytesPerToken),
    formatBytes(kv.llamaCppBytes),
  ]);
  if (
    kv.fullKvBytesPerToken !== undefined &&
    kv.fullKvBytes !== undefined &&
    kv.llamaCppLayout !== "full-kv"
  ) {
    kvRows.push([
      "full per-head K/V (legacy GGUF)",
      formatBytes(kv.fullKvBytesPerToken),
      formatBytes(kv.fullKvBytes),
    ]);
  }
  if (kv.latentBytesPerToken !== undefined && kv.latentBytes !== undefined) {
    kvRows.push(["theoretical MLA latent", formatBytes(kv.latentBytesPerToken), formatBytes(kv.latentBytes)]);
  }
  lines.push(table(kvRows).replace(/^/gm, "  "));
  if (r.gpu) {
    const g = r.gpu;
    lines.push("");
    lines.push(
      `fits on ${formatBytes(g.gpuMemBytes)} (reserve ${formatBytes(g.reserveBytes)} for compute buffers)`,
    );
    lines.push(
      table([["type", "weights", `fits ${g.ctx} ctx`, "max context"], ...g.options.map(fitRow)]).replace(
        /^/gm,
        "  ",
      ),
    );
  }
  return lines.join("\n");
}
