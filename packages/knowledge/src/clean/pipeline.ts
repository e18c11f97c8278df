import { normalizeText } from "../text/normalize.ts";
import { analyze, hasCjk } from "../text/tokenize.ts";
import { findPii, maskPii } from "./pii.ts";
import { defaultQualityClassifier, type QualityClassifier } from "./quality.ts";

export interface CleanRecord {
  id: string;
  text: string;
}

export interface StageReport {
  stage: string;
  input: number;
  kept: number;
  dropped: number;
  /** reason → count */
  reasons: Record<string, number>;
}

export interface CleanOptions {
  toSimplified?: boolean;
  languages?: ("zh" | "en")[];
  minChars?: number;
  maxChars?: number;
  /** Share of the text allowed to be one repeated line or n-gram. */
  maxRepetition?: number;
  pii?: "mask" | "drop" | "keep";
  quality?: QualityClassifier | false;
  minQuality?: number;
  /** Texts that define the domain; stage 5 is skipped without them. */
  reference?: readonly string[];
  minDomainSimilarity?: number;
}

export interface CleanResult {
  kept: CleanRecord[];
  dropped: { id: string; stage: string; reason: string }[];
  stages: StageReport[];
}

function repetition(text: string): number {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length >= 3) {
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
    const dup = [...counts.values()].reduce((n, c) => n + (c - 1), 0);
    if (dup / lines.length > 0.3) return dup / lines.length;
  }
  // Share of character 4-grams that repeat an earlier one (Gopher-style duplicate n-gram ratio).
  const s = text.replace(/\s+/g, "");
  if (s.length < 12) return 0;
  const seen = new Set<string>();
  let dup = 0;
  for (let i = 0; i + 4 <= s.length; i++) {
    const g = s.slice(i, i + 4);
    if (seen.has(g)) dup++;
    else seen.add(g);
  }
  return dup / (s.length - 3);
}

function language(text: string): "zh" | "en" | "other" {
  if (hasCjk(text)) return "zh";
  const latin = (text.match(/[A-Za-z]/g) ?? []).length;
  return latin / Math.max(1, text.replace(/\s/g, "").length) > 0.5 ? "en" : "other";
}

/**
 * The five cleaning stages, each reporting kept and dropped counts with reasons:
 * (1) normalisation, (2) language/length/repetition heuristics, (3) PII masking or dropping,
 * (4) the quality classifier, (5) domain similarity to a reference set.
 */
export function cleanRecords(records: Iterable<CleanRecord>, opts: CleanOptions = {}): CleanResult {
  const dropped: CleanResult["dropped"] = [];
  const stages: StageReport[] = [];
  const stage = (
    name: string,
    input: CleanRecord[],
    fn: (r: CleanRecord) => CleanRecord | string,
  ): CleanRecord[] => {
    const kept: CleanRecord[] = [];
    const reasons: Record<string, number> = {};
    for (const r of input) {
      const out = fn(r);
      if (typeof out === "string") {
        reasons[out] = (reasons[out] ?? 0) + 1;
        dropped.push({ id: r.id, stage: name, reason: out });
      } else kept.push(out);
    }
    stages.push({
      stage: name,
      input: input.length,
      kept: kept.length,
      dropped: input.length - kept.length,
      reasons,
    });
    return kept;
  };
  let rs = stage("normalize", [...records], (r) => {
    const text = normalizeText(r.text, { toSimplified: opts.toSimplified });
    return text ? { ...r, text } : "empty after normalisation";
  });
  const langs = opts.languages ?? ["zh", "en"];
  rs = stage("heuristics", rs, (r) => {
    const len = r.text.replace(/\s/g, "").length;
    if (len < (opts.minChars ?? 5)) return "too short";
    if (len > (opts.maxChars ?? 20_000)) return "too long";
    const lang = language(r.text);
    if (lang === "other" || !langs.includes(lang)) return `language ${lang}`;
    if (repetition(r.text) > (opts.maxRepetition ?? 0.5)) return "repetitive";
    return r;
  });
  const pii = opts.pii ?? "mask";
  rs = stage("pii", rs, (r) => {
    if (pii === "keep") return r;
    if (pii === "drop") {
      const found = findPii(r.text);
      return found.length ? `contains ${found[0]?.kind}` : r;
    }
    return { ...r, text: maskPii(r.text).text };
  });
  const quality = opts.quality === false ? undefined : (opts.quality ?? defaultQualityClassifier());
  rs = stage("quality", rs, (r) =>
    !quality || quality.score(r.text) >= (opts.minQuality ?? 0.5) ? r : "low quality",
  );
  if (opts.reference?.length) {
    // Domain similarity = the share of a text's index terms (jieba words and CJK bigrams, stemmed
    // English words) that also occur in the reference set: 1 for text written in the domain's
    // vocabulary, near 0 for another subject or language. Cheap, explainable, and stable for
    // short texts where embedding cosines are noisy.
    const vocab = new Set(opts.reference.flatMap((t) => analyze(t)));
    const threshold = opts.minDomainSimilarity ?? 0.7;
    rs = stage("domain", rs, (r) => {
      const terms = analyze(r.text);
      if (terms.length === 0) return "off domain";
      const shared = terms.filter((t) => vocab.has(t)).length;
      return shared / terms.length >= threshold ? r : "off domain";
    });
  } else
    stages.push({
      stage: "domain",
      input: rs.length,
      kept: rs.length,
      dropped: 0,
      reasons: { "no reference set": 0 },
    });
  return { kept: rs, dropped, stages };
}
