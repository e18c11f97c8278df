import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";
import { stemmer } from "stemmer";
import { normalizeText } from "./normalize.ts";

let jiebaInstance: Jieba | undefined;

/** The dictionary is ~5 MB; load it once per process, on first use. */
export function jieba(): Jieba {
  jiebaInstance ??= Jieba.withDict(dict);
  return jiebaInstance;
}

export type TokenKind = "han" | "latin" | "number" | "punct";

export interface Token {
  text: string;
  kind: TokenKind;
}

const LATIN_WORD = /^\p{L}[\p{L}\p{M}'’-]*$/u;
const NUMBER = /^\p{N}[\p{N}.,:]*$/u;

function kindOf(word: string): TokenKind {
  if (NUMBER.test(word)) return "number";
  if (LATIN_WORD.test(word)) return "latin";
  return "punct";
}

const RUNS = /(\p{Script=Han}+)|([^\p{Script=Han}]+)/gu;
const LATIN_PIECES = /[\p{L}\p{M}]+(?:['’][\p{L}]+)*|\p{N}+(?:[.,:]\p{N}+)*|[^\s\p{L}\p{N}]/gu;

/**
 * Splits mixed Chinese/English text into words. Han runs go through jieba (HMM on, so unknown
 * product names still come out as words); everything else splits on a regex, because jieba cuts
 * "I'm" into three pieces. Whitespace is dropped; punctuation is kept as its own token because
 * "!" and "?" carry meaning for sentiment.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const run of normalizeText(text).matchAll(RUNS)) {
    if (run[1]) {
      for (const w of jieba().cut(run[1], true)) out.push({ text: w, kind: "han" });
    } else {
      for (const m of run[2].matchAll(LATIN_PIECES)) out.push({ text: m[0], kind: kindOf(m[0]) });
    }
  }
  return out;
}

/** Words only (no punctuation), lowercased. */
export function words(text: string): string[] {
  return tokenize(text)
    .filter((t) => t.kind !== "punct")
    .map((t) => t.text.toLowerCase());
}

const stemCache = new Map<string, string>();

/** Porter stem for English words, cached because the same few thousand words recur. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemCache.size < 200_000) stemCache.set(word, s);
  }
  return s;
}
