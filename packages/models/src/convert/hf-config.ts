import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserInputError } from "@seekdesk/core";

export type HfConfig = Record<string, unknown>;

/** Rope settings from either transformers 4 (`rope_theta` + `rope_scaling`) or 5 (`rope_parameters`). */
export interface RopeParams {
  theta: number;
  type: string;
  factor?: number;
  originalMaxPositions?: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
}

export function readHfConfig(dir: string): HfConfig {
  const path = join(dir, "config.json");
  if (!existsSync(dir)) throw new UserInputError(`${dir}: no such folder`);
  if (!existsSync(path))
    throw new UserInputError(`${dir}: config.json is missing (is this a Hugging Face checkpoint folder?)`);
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    return parsed as HfConfig;
  } catch (err) {
    throw new UserInputError(`config.json: cannot parse (${(err as Error).message})`);
  }
}

export function num(cfg: HfConfig, key: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === "number") return v;
  if (fallback !== undefined) return fallback;
  throw new UserInputError(`config.json: ${key} is missing or not a number`);
}

export function optNum(cfg: HfConfig, key: string): number | undefined {
  const v = cfg[key];
  return typeof v === "number" ? v : undefined;
}

export function ropeParams(cfg: HfConfig): RopeParams {
  const p = (cfg.rope_parameters ?? cfg.rope_scaling ?? {}) as Record<string, unknown>;
  const n = (k: string) => (typeof p[k] === "number" ? (p[k] as number) : undefined);
  const type = String(p.rope_type ?? p.type ?? "default");
  return {
    theta: n("rope_theta") ?? optNum(cfg, "rope_theta") ?? 10000,
    type,
    factor: n("factor"),
    originalMaxPositions:
      n("original_max_position_embeddings") ?? optNum(cfg, "original_max_position_embeddings"),
    lowFreqFactor: n("low_freq_factor"),
    highFreqFactor: n("high_freq_factor"),
    betaFast: n("beta_fast"),
    betaSlow: n("beta_slow"),
    mscale: n("mscale"),
    mscaleAllDim: n("mscale_all_dim"),
  };
}

export function architectureOf(cfg: HfConfig): string {
  const archs = cfg.architectures;
  if (!Array.isArray(archs) || typeof archs[0] !== "string") {
    throw new UserInputError("config.json: no architectures entry");
  }
  return archs[0];
}
