import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ConfigError, fileErrorText, parseConfig, type SeekdeskConfig, UserInputError } from "@seekdesk/core";
import { parse as parseYaml } from "yaml";
import { envToConfig } from "./env.ts";

/** A loosely typed partial config, as sources produce it before validation. */
export type RawConfig = Record<string, unknown>;

/** Looked for in the working directory, in this order, when no file is named. */
export const DEFAULT_CONFIG_FILES = ["seekdesk.config.json", "seekdesk.config.yaml", "seekdesk.config.yml"];

export interface ConfigSources {
  /** `--config <file>` (JSON or YAML); otherwise SEEKDESK_CONFIG, otherwise ./seekdesk.config.{json,yaml,yml}. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values already shaped like the config (see flagsToConfig). */
  flags?: RawConfig;
  cwd?: string;
}

function isPlainObject(v: unknown): v is RawConfig {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge where later sources win; arrays (models, cors) are replaced, not concatenated. */
export function mergeConfig(...layers: RawConfig[]): RawConfig {
  const out: RawConfig = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as RawConfig, v) : v;
    }
  }
  return out;
}

function readConfigFile(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UserInputError(`config: cannot read ${path}: ${fileErrorText(err)}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const what = yaml ? "YAML" : "JSON";
    throw new UserInputError(
      `config: ${path} is not valid ${what}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed))
    throw new UserInputError(`config: ${path}: expected a mapping of settings at the top level`);
  return parsed;
}

/** Which file is read, if any. */
export function configFilePath(src: ConfigSources): string | null {
  const cwd = src.cwd ?? process.cwd();
  const explicit = src.file ?? src.env?.SEEKDESK_CONFIG;
  if (explicit) return resolve(cwd, explicit);
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Merges defaults < file < SEEKDESK_* env < flags and validates the result once, so every
 * source fails the same way: `config: models[0].contextSize: expected a positive integer`.
 */
export function loadConfig(src: ConfigSources = {}): SeekdeskConfig {
  const file = configFilePath(src);
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnv = envToConfig(src.env ?? {});
  const merged = mergeConfig(fromFile, fromEnv, src.flags ?? {});
  try {
    return parseConfig(merged);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserInputError(err.message);
    throw err;
  }
}

/** A model id from a GGUF file name: `DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf` → `DeepSeek-R1-Distill-Qwen-7B-Q4_K_M`. */
export function modelIdFromPath(path: string): string {
  return basename(path).replace(/\.gguf$/i, "");
}

/** The `--model` / `--backend-url` shortcuts as a `models` list (empty when neither is given). */
export function shortcutModels(s: {
  model?: string;
  modelId?: string;
  backendUrl?: string;
  backendKey?: string;
  backendModel?: string;
}): RawConfig[] {
  const models: RawConfig[] = [];
  if (s.model) models.push({ id: s.modelId ?? modelIdFromPath(s.model), backend: "llama", path: s.model });
  if (s.backendUrl) {
    models.push({
      id: s.modelId ?? s.backendModel ?? "default",
      backend: "openai",
      baseURL: s.backendUrl,
      ...(s.backendKey ? { apiKey: s.backendKey } : {}),
      ...(s.backendModel ? { model: s.backendModel } : {}),
    });
  }
  return models;
}

/** The config with secrets masked, for `seekdesk config show` and start-up logs. */
export function redactConfig(config: SeekdeskConfig): SeekdeskConfig {
  return {
    ...config,
    models: config.models.map((m) => (m.backend === "openai" && m.apiKey ? { ...m, apiKey: "***" } : m)),
    store: config.store.url
      ? { ...config.store, url: config.store.url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@") }
      : config.store,
  };
}
