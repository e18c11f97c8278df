import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserInputError } from "@seekdesk/core";

export interface HfAddedToken {
  id: number;
  content: string;
  special?: boolean;
  normalized?: boolean;
}

export interface HfTokenizerJson {
  added_tokens?: HfAddedToken[];
  pre_tokenizer?: unknown;
  post_processor?: unknown;
  model: { type?: string; vocab: Record<string, number>; merges?: Array<string | [string, string]> };
}

export type HfTokenizerConfig = Record<string, unknown>;

export interface HfTokenizerFiles {
  tokenizer: HfTokenizerJson;
  config: HfTokenizerConfig;
  /** config.json of the model: bos/eos ids live there when tokenizer_config.json lacks them. */
  modelConfig: Record<string, unknown>;
  dir: string;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserInputError(`${what}: cannot parse (${(err as Error).message})`);
  }
}

export function loadHfTokenizerFiles(
  dir: string,
  modelConfig: Record<string, unknown> = {},
): HfTokenizerFiles {
  const tokPath = join(dir, "tokenizer.json");
  if (!existsSync(tokPath)) {
    throw new UserInputError(`${dir}: tokenizer.json is missing (only fast BPE tokenizers are supported)`);
  }
  const tokenizer = readJson(tokPath, "tokenizer.json") as HfTokenizerJson;
  if (!tokenizer?.model?.vocab) throw new UserInputError("tokenizer.json: no model.vocab");
  const cfgPath = join(dir, "tokenizer_config.json");
  const config = existsSync(cfgPath) ? (readJson(cfgPath, "tokenizer_config.json") as HfTokenizerConfig) : {};
  return { tokenizer, config, modelConfig, dir };
}

/** The text of a special-token entry in tokenizer_config.json (a string or an AddedToken object). */
export function specialTokenContent(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") {
    return (v as { content: string }).content;
  }
  return undefined;
}
