/** The console's two languages, how the browser's language picks one, and where the user's choice is kept. */
export type Lang = "en" | "zh";

/** The BCP 47 locale each language formats numbers, dates and relative times with. */
export const locales: Record<Lang, string> = { en: "en-US", zh: "zh-CN" };

export function detectLang(): Lang {
  const nav = typeof navigator === "undefined" ? "en" : navigator.language;
  return nav.toLowerCase().startsWith("zh") ? "zh" : "en";
}

const STORAGE_KEY = "seekdesk.lang";

/** The language the user picked in the switcher on an earlier visit, if any. */
export function savedLang(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === "en" || v === "zh" ? v : null;
  } catch {
    return null; // storage blocked (private mode, sandboxed iframe): fall back to the browser's language
  }
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* the choice then lasts for this page only */
  }
}
