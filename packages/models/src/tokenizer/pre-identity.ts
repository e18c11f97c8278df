import { createHash } from "node:crypto";
import { TokenizerLoader } from "@lenml/tokenizers";
import { UserInputError } from "@seekdesk/core";
import type { HfTokenizerFiles } from "./hf-files.ts";

/**
 * llama.cpp splits text before BPE with one of a fixed set of regexes, named by
 * `tokenizer.ggml.pre`. Its converter picks the name by hashing the tokenization of a probe text
 * (the list printed as Python prints it) and looking the hash up; we do the same with a
 * JavaScript tokenizer. The probe text and hashes are those of llama.cpp's
 * convert_hf_to_gguf.py (get_vocab_base_pre).
 */
const PROBE_TEXT =
  "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL";

const KNOWN_HASHES: Record<string, string> = {
  "0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5": "llama-bpe",
  "049ecf7629871e3041641907f3de7c733e4dbfdc736f57d882ba0b0845599754": "deepseek-llm",
  "347715f544604f9118bb75ed199f68779f423cabb20db6de6f31b908d04d7821": "deepseek-coder",
  e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea: "qwen2",
  "877081d19cf6996e2c4ff0e1236341e9b7bde288f5311a56a937f0afbbb3aeb5": "deepseek-v3",
  b3f499bb4255f8ca19fccd664443283318f2fd2414d5e0b040fbdd0cc195d6c5: "deepseek-r1-qwen",
  "3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454": "gpt-2",
  ccc2ef013c104be7bae2965776d611e1d7a8a2a9c547dd93a682c9a9fc80352e: "gpt-4o",
  d353350c764d8c3b39c763113960e4fb4919bea5fbf208a0e3b22e8469dc7406: "llama4",
  c136ed14d01c2745d4f60a9596ae66800e2b61fa45643e72436041855ad4089d: "smaug-bpe",
};

/**
 * When the hash is unknown (a tokenizer.json re-saved by a newer library can tokenize the probe
 * identically but differ in added tokens), fall back to recognising the split regex itself.
 */
const REGEX_SIGNATURES: Array<[string, string]> = [
  ["[一-龥぀-ゟ゠-ヿ]+", "deepseek-v3"],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*",
    "qwen2",
  ],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*",
    "llama-bpe",
  ],
];

export function probeTokenization(
  files: HfTokenizerFiles,
  bosId: number | undefined,
  addBos: boolean,
): number[] {
  const tok = TokenizerLoader.fromPreTrained({
    tokenizerJSON: files.tokenizer as never,
    tokenizerConfig: files.config as never,
  });
  const ids = tok.encode(PROBE_TEXT, { add_special_tokens: false });
  // transformers' encode() adds BOS when add_bos_token is set; the hashes were computed that way.
  return addBos && bosId !== undefined ? [bosId, ...ids] : ids;
}

export function identifyPreTokenizer(
  files: HfTokenizerFiles,
  bosId: number | undefined,
  addBos: boolean,
): string {
  const ids = probeTokenization(files, bosId, addBos);
  const hash = createHash("sha256")
    .update(`[${ids.join(", ")}]`)
    .digest("hex");
  const known = KNOWN_HASHES[hash];
  if (known) return known;
  const pre = JSON.stringify(files.tokenizer.pre_tokenizer ?? null);
  for (const [needle, name] of REGEX_SIGNATURES) {
    if (pre.includes(JSON.stringify(needle).slice(1, -1))) return name;
  }
  throw new UserInputError(
    `unrecognised BPE pre-tokenizer (probe hash ${hash}); llama.cpp would split text differently from the original tokenizer`,
  );
}
