import { Converter } from "opencc-js/t2cn";

export interface NormalizeOptions {
  /** Convert traditional Chinese to simplified (OpenCC, Taiwan phrases → mainland phrases). */
  toSimplified?: boolean;
}

let t2s: ((s: string) => string) | undefined;

/**
 * Stage 1 of cleaning and the first step of every ingest: one canonical form for the same text.
 * NFKC folds full-width letters and digits to half width (ＡＢＣ１２３ → ABC123) and
 * compatibility ideographs to their unified form; control characters and zero-width marks go;
 * runs of blanks collapse, but paragraph breaks survive because the chunker needs them.
 */
export function normalizeText(input: string, opts: NormalizeOptions = {}): string {
  // Full-width punctuation (，！？：；（）) is how Chinese is written and how answers quote it back
  // to customers, so NFKC folds everything but it; the indexers fold it again for matching.
  let s = input
    .replace(/^\uFEFF/, "")
    .replace(/[^\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65]+/g, (run) => run.normalize("NFKC"));
  s = s.replace(/\r\n?/g, "\n");
  s = s.replace(/[\u200B-\u200D\u2060\uFEFF]/g, "");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  s = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");
  s = s.replace(/[ \t\u00A0\u3000]+/g, " ");
  s = s.replace(/ *\n */g, "\n").replace(/\n{3,}/g, "\n\n");
  if (opts.toSimplified) {
    t2s ??= Converter({ from: "twp", to: "cn" });
    s = t2s(s);
  }
  return s.trim();
}

/**
 * Decodes file bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 when UTF-8
 * decoding would produce replacement characters. Returns undefined for binary data, so the caller
 * can report "not text" instead of indexing garbage.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" };
  const sample = bytes.subarray(0, 65536);
  let nul = 0;
  for (const b of sample) if (b === 0) nul++;
  if (nul > 0) return undefined;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    // Not UTF-8. Chinese files from Windows are GBK/GB18030 more often than anything else.
  }
  const text = new TextDecoder("gb18030").decode(bytes);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  if (bad > text.length / 100) return undefined;
  return { text, encoding: "gb18030" };
}
