import { normalizeText, tokenize } from "../text/index.ts";
import { CONTRASTS, EMOJI_VALENCE, INTENSIFIERS, NEGATORS, VALENCE } from "./lexicon.ts";

export type SentimentLabel = "negative" | "neutral" | "positive";

export interface Sentiment {
  /** -1 (very negative) .. 1 (very positive). */
  score: number;
  label: SentimentLabel;
  /** |score|: how strongly the text leans either way, whatever the direction. */
  strength: number;
}

interface Unit {
  text: string;
  /** The token as written, for ALL CAPS. */
  raw: string;
}

const MAX_PHRASE_TOKENS = 4;
/** VADER's normalisation constant: score = x / sqrt(x² + α). */
const ALPHA = 15;
/** Below this |score| a text is neutral; chosen on the labelled set in data/ (see docs/EVAL.md). */
export const NEUTRAL_BAND = 0.2;

function isKnown(key: string): boolean {
  return key in VALENCE || key in INTENSIFIERS || NEGATORS.has(key) || CONTRASTS.has(key);
}

/**
 * Groups tokens into lexicon units: the longest run of up to four tokens that is a lexicon
 * entry ("waste of time", "什么玩意"), else the token itself. A Chinese word jieba kept whole but
 * which is not in the lexicon ("不满意度", "太慢了") is scanned for entries of two or more
 * characters inside it; single characters like 好 only count as whole words, because inside
 * words they rarely mean anything ("好像", "差不多").
 */
function lexiconUnits(text: string): Unit[] {
  const tokens = tokenize(text).filter((t) => t.kind !== "punct");
  const units: Unit[] = [];
  for (let i = 0; i < tokens.length; ) {
    let matched = 0;
    for (let k = Math.min(MAX_PHRASE_TOKENS, tokens.length - i); k >= 2; k--) {
      const slice = tokens.slice(i, i + k);
      const sep = slice.every((t) => t.kind === "han") ? "" : " ";
      const key = slice.map((t) => t.text.toLowerCase()).join(sep);
      if (isKnown(key)) {
        units.push({ text: key, raw: slice.map((t) => t.text).join(sep) });
        matched = k;
        break;
      }
    }
    if (matched) {
      i += matched;
      continue;
    }
    const t = tokens[i];
    const lower = t.text.toLowerCase();
    if (t.kind === "han" && !isKnown(lower) && [...lower].length > 2) {
      units.push(...scanInside(lower));
    } else if (t.kind === "han" && !isKnown(lower) && [...lower].length === 2) {
      // Two-character words such as 太慢 or 不好: split so negator and word both count.
      const [a, b] = [...lower];
      if (isKnown(a) && isKnown(b) && !(a in VALENCE && b in VALENCE))
        units.push({ text: a, raw: a }, { text: b, raw: b });
      else units.push({ text: lower, raw: t.text });
    } else {
      units.push({ text: lower, raw: t.text });
    }
    i++;
  }
  return units;
}

function scanInside(word: string): Unit[] {
  const chars = [...word];
  const out: Unit[] = [];
  let i = 0;
  let plain = "";
  while (i < chars.length) {
    let len = 0;
    for (let k = Math.min(5, chars.length - i); k >= 2; k--) {
      if (isKnown(chars.slice(i, i + k).join(""))) {
        len = k;
        break;
      }
    }
    if (len === 0 && (NEGATORS.has(chars[i]) || chars[i] in INTENSIFIERS) && i + 1 < chars.length) len = 1;
    if (len) {
      if (plain) out.push({ text: plain, raw: plain });
      plain = "";
      const piece = chars.slice(i, i + len).join("");
      out.push({ text: piece, raw: piece });
      i += len;
    } else {
      plain += chars[i];
      i++;
    }
  }
  if (plain) out.push({ text: plain, raw: plain });
  return out;
}

function emojiValence(text: string): number {
  let sum = 0;
  for (const [emoji, v] of Object.entries(EMOJI_VALENCE)) {
    let from = 0;
    for (;;) {
      const at = text.indexOf(emoji, from);
      if (at < 0) break;
      sum += v;
      from = at + emoji.length;
    }
  }
  return sum;
}

/**
 * Lexicon sentiment after VADER (Hutto and Gilbert, 2014), adapted to Chinese: each sentiment
 * word's valence is scaled by the intensifiers before it, flipped (and damped, ×0.74 as VADER)
 * by a negator up to three units before it, raised for ALL CAPS, and weighted ×0.5 before and
 * ×1.5 after a contrast ("but", "但是"). Exclamation marks and repeated question marks add
 * emphasis in the direction of the sum.
 */
export function lexiconSentiment(text: string): number {
  const units = lexiconUnits(text);
  const valences: number[] = [];
  let contrastAt = -1;
  const hasLower = /\p{Ll}/u.test(text);
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (CONTRASTS.has(u.text)) contrastAt = valences.length;
    let v = VALENCE[u.text];
    if (v === undefined) continue;
    if (/^\p{Lu}{2,}$/u.test(u.raw) && hasLower) v *= 1.5;
    let scale = 1;
    let negated = false;
    for (let back = 1; back <= 3 && i - back >= 0; back++) {
      const prev = units[i - back].text;
      if (prev in INTENSIFIERS && !(prev in VALENCE && back > 1))
        scale *= back === 1 ? INTENSIFIERS[prev] : 1 + (INTENSIFIERS[prev] - 1) * 0.5;
      if (NEGATORS.has(prev)) negated = !negated;
      if (prev in VALENCE && !(prev in INTENSIFIERS)) break;
    }
    v *= scale;
    if (negated) v *= -0.74;
    valences.push(v);
  }
  if (contrastAt >= 0) {
    for (let i = 0; i < valences.length; i++) valences[i] *= i < contrastAt ? 0.5 : 1.5;
  }
  let sum = valences.reduce((a, b) => a + b, 0) + emojiValence(text);
  if (sum !== 0) {
    const bangs = Math.min(4, (text.match(/[!！]/g) ?? []).length);
    const questions = (text.match(/[?？]/g) ?? []).length;
    const emphasis = bangs * 0.3 + (questions > 1 ? Math.min(0.96, questions * 0.18) : 0);
    sum += Math.sign(sum) * emphasis;
  }
  return sum / Math.sqrt(sum * sum + ALPHA);
}

export function labelFor(score: number, band = NEUTRAL_BAND): SentimentLabel {
  if (score <= -band) return "negative";
  if (score >= band) return "positive";
  return "neutral";
}

export function sentimentFromScore(score: number): Sentiment {
  const clamped = Math.max(-1, Math.min(1, score));
  return { score: clamped, label: labelFor(clamped), strength: Math.abs(clamped) };
}

export function normalizeForSentiment(text: string): string {
  return normalizeText(text);
}
