import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserInputError } from "@seekdesk/core";
import { type GgufValue, GgufValueType, gv } from "../gguf/types.ts";
import { type HfTokenizerFiles, loadHfTokenizerFiles, specialTokenContent } from "./hf-files.ts";
import { identifyPreTokenizer } from "./pre-identity.ts";

/** llama.cpp's `llama_token_type` values as stored in tokenizer.ggml.token_type. */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

// The markers special tokens of the families we convert are wrapped in (gguf-py's does_token_look_special).
function looksSpecial(token: string): boolean {
  return (
    /^<\|.*\|>$/su.test(token) ||
    /^<｜.*｜>$/su.test(token) ||
    ["<unk>", "<s>", "</s>", "<pad>", "<mask>"].includes(token)
  );
}

export interface GgufTokenizer {
  metadata: Array<[string, GgufValue]>;
  pre: string;
  tokenCount: number;
}

function resolveSpecialId(
  files: HfTokenizerFiles,
  kind: string,
  lookup: Map<string, number>,
): number | undefined {
  const content = specialTokenContent(files.config[`${kind}_token`]);
  if (content !== undefined) {
    const id = lookup.get(content);
    if (id !== undefined) return id;
  }
  const fromConfig = files.modelConfig[`${kind}_token_id`];
  if (typeof fromConfig === "number") return fromConfig;
  if (Array.isArray(fromConfig) && typeof fromConfig[0] === "number") return fromConfig[0];
  return undefined;
}

/** Whether the post-processor template puts a special token before the text (gguf-py reads it when add_bos_token is absent). */
function templateAddsBos(files: HfTokenizerFiles): boolean {
  const pp = files.tokenizer.post_processor as {
    type?: string;
    single?: Array<Record<string, unknown>>;
  } | null;
  const first = pp?.type === "TemplateProcessing" ? pp.single?.[0] : undefined;
  return Boolean(first && "SpecialToken" in first);
}

function chatTemplates(files: HfTokenizerFiles): Array<[string, GgufValue]> {
  const raw = files.config.chat_template;
  if (typeof raw === "string") return [["tokenizer.chat_template", gv.str(raw)]];
  if (Array.isArray(raw)) {
    const out: Array<[string, GgufValue]> = [];
    const names: string[] = [];
    for (const item of raw as Array<{ name?: string; template?: string }>) {
      if (typeof item?.name !== "string" || typeof item.template !== "string") continue;
      if (item.name === "default") out.unshift(["tokenizer.chat_template", gv.str(item.template)]);
      else {
        out.push([`tokenizer.chat_template.${item.name}`, gv.str(item.template)]);
        names.push(item.name);
      }
    }
    if (names.length) out.push(["tokenizer.chat_templates", gv.arr(GgufValueType.STRING, names)]);
    return out;
  }
  const jinja = join(files.dir, "chat_template.jinja");
  if (existsSync(jinja)) return [["tokenizer.chat_template", gv.str(readFileSync(jinja, "utf8"))]];
  return [];
}

/**
 * The tokenizer as llama.cpp's "gpt2" (byte-level BPE) vocabulary: one entry per model vocab id
 * (holes padded as unused), merges, special ids, the pre-tokenizer name and the chat template,
 * following convert_hf_to_gguf.py's get_vocab_base and gguf-py's SpecialVocab.
 */
export function buildGgufTokenizer(
  hfDir: string,
  vocabSize: number,
  modelConfig: Record<string, unknown>,
): GgufTokenizer {
  const files = loadHfTokenizerFiles(hfDir, modelConfig);
  const model = files.tokenizer.model;
  if (model.type !== undefined && model.type !== "BPE") {
    throw new UserInputError(
      `tokenizer.json: ${model.type} tokenizers are not supported (byte-level BPE only)`,
    );
  }
  const lookup = new Map<string, number>(Object.entries(model.vocab));
  const added = new Map<number, { content: string; special: boolean }>();
  for (const t of files.tokenizer.added_tokens ?? []) {
    added.set(t.id, { content: t.content, special: Boolean(t.special) });
    lookup.set(t.content, t.id);
  }
  let maxId = -1;
  for (const id of lookup.values()) if (id > maxId) maxId = id;
  const count = Math.max(vocabSize, maxId + 1);
  const tokens: string[] = new Array(count);
  const types: number[] = new Array(count);
  const reverse = new Map<number, string>();
  for (const [tok, id] of Object.entries(model.vocab)) reverse.set(id, tok);
  for (let i = 0; i < count; i++) {
    const a = added.get(i);
    if (a) {
      if (a.special || looksSpecial(a.content)) {
        tokens[i] = a.content;
        types[i] = TokenType.CONTROL;
      } else {
        // llama.cpp expects user-defined tokens pre-normalized (sentencepiece's ▁ as a space).
        tokens[i] = a.content.replaceAll("\u2581", " ");
        types[i] = TokenType.USER_DEFINED;
      }
      continue;
    }
    const t = reverse.get(i);
    if (t === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = TokenType.UNUSED;
    } else {
      tokens[i] = t;
      types[i] = TokenType.NORMAL;
    }
  }
  const merges = (model.merges ?? []).map((m) => (typeof m === "string" ? m : m.join(" ")));

  const bos = resolveSpecialId(files, "bos", lookup);
  const eos = resolveSpecialId(files, "eos", lookup);
  const pad = resolveSpecialId(files, "pad", lookup);
  const unk = resolveSpecialId(files, "unk", lookup);
  const addBos =
    typeof files.config.add_bos_token === "boolean" ? files.config.add_bos_token : templateAddsBos(files);
  const addEos = files.config.add_eos_token === true;

  const pre = identifyPreTokenizer(files, bos, addBos);
  const metadata: Array<[string, GgufValue]> = [
    ["tokenizer.ggml.model", gv.str("gpt2")],
    ["tokenizer.ggml.pre", gv.str(pre)],
    ["tokenizer.ggml.tokens", gv.arr(GgufValueType.STRING, tokens)],
    ["tokenizer.ggml.token_type", gv.arr(GgufValueType.INT32, types)],
    ["tokenizer.ggml.merges", gv.arr(GgufValueType.STRING, merges)],
  ];
  if (bos !== undefined) metadata.push(["tokenizer.ggml.bos_token_id", gv.u32(bos)]);
  if (eos !== undefined) metadata.push(["tokenizer.ggml.eos_token_id", gv.u32(eos)]);
  if (unk !== undefined) metadata.push(["tokenizer.ggml.unknown_token_id", gv.u32(unk)]);
  if (pad !== undefined) metadata.push(["tokenizer.ggml.padding_token_id", gv.u32(pad)]);
  metadata.push(["tokenizer.ggml.add_bos_token", gv.bool(addBos)]);
  metadata.push(["tokenizer.ggml.add_eos_token", gv.bool(addEos)]);
  metadata.push(...chatTemplates(files));
  return { metadata, pre, tokenCount: count };
}
