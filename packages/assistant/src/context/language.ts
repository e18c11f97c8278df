import type { Language } from "../types.ts";

const HAN = /[\u3400-\u9fff]/g;
const LATIN = /[A-Za-z]+/g;

/**
 * The language of one message: Chinese when Han characters outweigh Latin words. A message of
 * only digits or order ids keeps the conversation's language.
 */
export function detectLanguage(text: string, fallback: Language): Language {
  const han = text.match(HAN)?.length ?? 0;
  // Order ids and units ("SD20260001", "kg") are Latin but carry no language.
  const words = (text.match(LATIN) ?? []).filter((w) => w.length > 2 && !/^SD$/i.test(w)).length;
  if (han === 0 && words === 0) return fallback;
  return han >= words ? "zh" : "en";
}

export function pick<T>(texts: { zh: T; en: T }, language: Language): T {
  return texts[language];
}
