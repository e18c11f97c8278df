/**
 * Full-width ASCII (ＡＢＣ１２３！) is common in Chinese input methods; folding it to half width
 * lets "ｒｅｆｕｎｄ" and "refund" share features. NFKC does this and also folds compatibility
 * forms such as circled digits.
 */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").replace(/\s+/g, " ").trim();
}

const HAN = /\p{Script=Han}/u;

export function hasHan(text: string): boolean {
  return HAN.test(text);
}

export function isHanChar(ch: string): boolean {
  return HAN.test(ch);
}

/** Share of Han characters among letters; above 0.3 a text is treated as Chinese. */
export function detectLanguage(text: string): "zh" | "en" {
  let han = 0;
  let letters = 0;
  for (const ch of text) {
    if (HAN.test(ch)) {
      han++;
      letters++;
    } else if (/\p{L}/u.test(ch)) {
      letters++;
    }
  }
  return letters > 0 && han / letters > 0.3 ? "zh" : "en";
}
