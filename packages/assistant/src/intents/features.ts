import { stem, tokenize } from "../text/index.ts";

export interface FeatureOptions {
  /** Largest Chinese character n-gram (from 1). */
  zhCharMax: number;
  /** English character n-gram range, taken inside word boundaries (padded with spaces). */
  enCharMin: number;
  enCharMax: number;
  /** Word n-gram order: 1 = unigrams, 2 = plus bigrams, 3 = plus trigrams. */
  wordOrder: number;
}

export const DEFAULT_FEATURES: FeatureOptions = { zhCharMax: 4, enCharMin: 2, enCharMax: 5, wordOrder: 3 };

/**
 * The string features of one utterance, before they are looked up in a vocabulary.
 *
 * Chinese: jieba words, word n-grams and character 1–4-grams over each run of Han characters
 * (character grams rescue segmentation mistakes: "查快递" and "查一下快递" share "快递").
 * English: stemmed word n-grams plus character 2–5-grams inside word boundaries (scikit-learn's
 * `char_wb`), which carry misspellings and inflections the stemmer misses.
 */
export function extractFeatures(text: string, opts: FeatureOptions = DEFAULT_FEATURES): string[] {
  const out: string[] = [];
  const tokens = tokenize(text);
  const seq: string[] = [];
  let hanRun = "";
  const flushHan = (): void => {
    if (!hanRun) return;
    const chars = [...hanRun];
    for (let n = 1; n <= opts.zhCharMax; n++) {
      for (let i = 0; i + n <= chars.length; i++) out.push(`c:${chars.slice(i, i + n).join("")}`);
    }
    hanRun = "";
  };
  for (const t of tokens) {
    if (t.kind === "han") {
      hanRun += t.text;
      out.push(`w:${t.text}`);
      seq.push(t.text);
      continue;
    }
    flushHan();
    if (t.kind === "latin") {
      const lower = t.text.toLowerCase();
      const s = stem(lower);
      out.push(`w:${s}`);
      seq.push(s);
      const padded = ` ${lower} `;
      for (let n = opts.enCharMin; n <= opts.enCharMax; n++) {
        for (let i = 0; i + n <= padded.length; i++) out.push(`e:${padded.slice(i, i + n)}`);
      }
    } else if (t.kind === "number") {
      // Digits differ between utterances of one intent; their shape does not.
      const shape = t.text.replace(/\p{N}/gu, "0");
      out.push(`w:${shape}`);
      seq.push("<num>");
    } else {
      out.push(`p:${t.text}`);
    }
  }
  flushHan();
  seq.unshift("<s>");
  seq.push("</s>");
  if (opts.wordOrder >= 2) for (let i = 0; i + 1 < seq.length; i++) out.push(`b:${seq[i]} ${seq[i + 1]}`);
  if (opts.wordOrder >= 3)
    for (let i = 0; i + 2 < seq.length; i++) out.push(`t:${seq[i]} ${seq[i + 1]} ${seq[i + 2]}`);
  return out;
}
