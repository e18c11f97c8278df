import { seededRandom } from "../text/random.ts";
import { type Token, tokenize } from "../text/tokenize.ts";
import { synonymsOf } from "./synonyms.ts";

export interface EdaOptions {
  /** Variants per utterance. Default 4. */
  variants?: number;
  /** Share of words changed by each operation (EDA's α). Default 0.1. */
  alpha?: number;
  seed?: number;
}

// Replacing or deleting these changes the meaning ("not", "不") or adds nothing.
const KEEP = new Set([
  "不",
  "没",
  "没有",
  "别",
  "未",
  "无",
  "非",
  "吗",
  "呢",
  "吧",
  "啊",
  "了",
  "的",
  "是",
  "我",
  "你",
  "他",
  "她",
  "我们",
  "not",
  "no",
  "never",
  "don't",
  "doesn't",
  "didn't",
  "can't",
  "won't",
  "isn't",
  "a",
  "an",
  "the",
  "i",
  "my",
  "me",
  "you",
  "your",
  "is",
  "are",
  "to",
  "of",
  "and",
  "or",
]);

function words(text: string): Token[] {
  return tokenize(text);
}

/**
 * Joins tokens back into text: Chinese has no spaces between words, English needs them, and
 * punctuation attaches to the word before it.
 */
export function joinTokens(tokens: Token[]): string {
  let out = "";
  let prev: Token | undefined;
  for (const t of tokens) {
    const spaced = prev && t.kind !== "punct" && t.kind !== "han" && prev.kind !== "han";
    out += spaced ? ` ${t.text}` : t.text;
    prev = t;
  }
  return out;
}

function asTokens(word: string): Token[] {
  return tokenize(word);
}

function content(tokens: Token[]): number[] {
  const idx: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== "punct" && !KEEP.has(t.text.toLowerCase())) idx.push(i);
  });
  return idx;
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)];
}

function synonymReplace(tokens: Token[], n: number, rand: () => number): Token[] {
  const out = [...tokens];
  const candidates = content(out).filter((i) => synonymsOf(out[i].text).length > 0);
  let done = 0;
  while (done < n && candidates.length > 0) {
    const at = candidates.splice(Math.floor(rand() * candidates.length), 1)[0];
    out.splice(at, 1, ...asTokens(pick(synonymsOf(out[at].text), rand)).map((t) => ({ ...t, text: t.text })));
    // A multi-word synonym shifts later indexes; recompute rather than track offsets.
    candidates.length = 0;
    candidates.push(...content(out).filter((i) => i !== at && synonymsOf(out[i].text).length > 0));
    done++;
  }
  return out;
}

function randomInsert(tokens: Token[], n: number, rand: () => number): Token[] {
  const out = [...tokens];
  for (let k = 0; k < n; k++) {
    const withSyn = content(out).filter((i) => synonymsOf(out[i].text).length > 0);
    if (withSyn.length === 0) break;
    const syn = pick(synonymsOf(out[pick(withSyn, rand)].text), rand);
    out.splice(Math.floor(rand() * (out.length + 1)), 0, ...asTokens(syn));
  }
  return out;
}

function randomSwap(tokens: Token[], n: number, rand: () => number): Token[] {
  const out = [...tokens];
  const idx = out.map((t, i) => (t.kind === "punct" ? -1 : i)).filter((i) => i >= 0);
  if (idx.length < 2) return out;
  for (let k = 0; k < n; k++) {
    const a = pick(idx, rand);
    const b = pick(idx, rand);
    [out[a], out[b]] = [out[b], out[a]];
  }
  return out;
}

function randomDelete(tokens: Token[], p: number, rand: () => number): Token[] {
  const removable = new Set(content(tokens));
  const out = tokens.filter((_, i) => !removable.has(i) || rand() >= p);
  // EDA never returns an empty sentence: keep one content word.
  if (out.every((t) => t.kind === "punct") && removable.size > 0) return [tokens[pick([...removable], rand)]];
  return out;
}

/**
 * Easy Data Augmentation (Wei and Zou, EMNLP 2019): synonym replacement, random insertion of a
 * synonym, random swap and random deletion, each changing about α of the words. Words come from
 * jieba for Chinese, so operations move whole words, never half a word. Returns distinct
 * variants different from the input; fewer than asked when the utterance is too short to vary.
 */
export function edaVariants(text: string, options: EdaOptions = {}): string[] {
  const variants = options.variants ?? 4;
  const alpha = options.alpha ?? 0.1;
  const rand = seededRandom(options.seed ?? hashSeed(text));
  const tokens = words(text);
  const wordCount = tokens.filter((t) => t.kind !== "punct").length;
  const n = Math.max(1, Math.round(alpha * wordCount));
  const ops = [
    (t: Token[]) => synonymReplace(t, n, rand),
    (t: Token[]) => randomInsert(t, n, rand),
    (t: Token[]) => randomSwap(t, n, rand),
    (t: Token[]) => randomDelete(t, alpha, rand),
  ];
  const seen = new Set<string>([joinTokens(tokens)]);
  const out: string[] = [];
  for (let attempt = 0; out.length < variants && attempt < variants * 6; attempt++) {
    const candidate = joinTokens(ops[attempt % ops.length](tokens));
    if (candidate && !seen.has(candidate)) {
      seen.add(candidate);
      out.push(candidate);
    }
  }
  return out;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Adds up to `variants` EDA variants of every example, each keeping its example's label. */
export function augmentExamples<T extends { text: string }>(examples: T[], options: EdaOptions = {}): T[] {
  const out: T[] = [];
  examples.forEach((e, i) => {
    out.push(e);
    const seed = options.seed === undefined ? undefined : options.seed * 1_000_003 + i;
    for (const text of edaVariants(e.text, { ...options, seed })) out.push({ ...e, text });
  });
  return out;
}
