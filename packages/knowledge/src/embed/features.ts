/** FNV-1a over UTF-16 code units: fast, stable across runs and platforms, good enough spread. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function isCjk(c: number): boolean {
  return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x3040 && c <= 0x30ff);
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 0xc0 && c < 0x2000);
}

/** Weights of CJK character unigrams, bigrams and trigrams; 0 leaves that order out. */
export interface CjkGramWeights {
  unigram: number;
  bigram: number;
  trigram: number;
}

const SURFACE_CJK: CjkGramWeights = { unigram: 0.5, bigram: 1, trigram: 0.7 };

/**
 * Surface features of a text for hashing: CJK character unigrams, bigrams and trigrams, and
 * Latin words plus their character trigrams (so "refund" and "refunds" share most features).
 * Lower-cased NFKC first, so full-width and half-width forms agree.
 */
export function surfaceFeatures(
  text: string,
  emit: (feature: string, weight: number) => void,
  cjk: CjkGramWeights = SURFACE_CJK,
): void {
  const s = text.normalize("NFKC").toLowerCase();
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isCjk(c)) {
      let j = i;
      while (j < s.length && isCjk(s.charCodeAt(j))) j++;
      for (let p = i; p < j; p++) {
        if (cjk.unigram) emit(s[p] as string, cjk.unigram);
        if (cjk.bigram && p + 1 < j) emit(s.slice(p, p + 2), cjk.bigram);
        if (cjk.trigram && p + 2 < j) emit(s.slice(p, p + 3), cjk.trigram);
      }
      i = j;
    } else if (isWordChar(c)) {
      let j = i;
      while (j < s.length && isWordChar(s.charCodeAt(j))) j++;
      const w = s.slice(i, j);
      emit(`w:${w}`, 1);
      if (w.length > 4) {
        const padded = `<${w}>`;
        for (let p = 0; p + 3 <= padded.length; p++) emit(padded.slice(p, p + 3), 0.3);
      }
      i = j;
    } else i++;
  }
}
