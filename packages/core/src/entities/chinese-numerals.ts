/**
 * Chinese numerals to numbers: "三百五十" → 350, "两万" → 20000, "一百零五" → 105,
 * colloquial "三百五" → 350 and "一万二" → 12000, digit mixes "1.5万" → 15000.
 */
const DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  壹: 1,
  二: 2,
  贰: 2,
  两: 2,
  三: 3,
  叁: 3,
  四: 4,
  肆: 4,
  五: 5,
  伍: 5,
  六: 6,
  陆: 6,
  七: 7,
  柒: 7,
  八: 8,
  捌: 8,
  九: 9,
  玖: 9,
};
const SMALL_UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const BIG_UNITS: Record<string, number> = { 万: 10_000, 萬: 10_000, 亿: 100_000_000, 億: 100_000_000 };

export const CN_NUMERAL_CHARS = "零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億";
/** A regex fragment matching a run of Chinese numeral characters. */
export const CN_NUMERAL = `[${CN_NUMERAL_CHARS}]+`;

/** Parses a run of Chinese numeral characters (optionally led by Arabic digits); null if malformed. */
export function parseChineseNumber(text: string): number | null {
  const s = text.trim();
  if (s === "") return null;
  const lead = /^(\d+(?:\.\d+)?)/.exec(s);
  if (lead) {
    const rest = s.slice(lead[0].length);
    if (rest === "") return Number(lead[1]);
    const unit = BIG_UNITS[rest] ?? SMALL_UNITS[rest];
    return unit ? Number(lead[1]) * unit : null;
  }
  // A plain digit sequence such as "二〇二六" reads digit by digit.
  if ([...s].every((c) => c in DIGITS) && s.length > 1) {
    return Number([...s].map((c) => DIGITS[c]).join(""));
  }
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  let lastUnit = 0;
  let lastWasZero = false;
  for (const c of s) {
    if (c in DIGITS) {
      if (digit !== null && !lastWasZero) return null;
      digit = DIGITS[c];
      lastWasZero = digit === 0;
      if (lastWasZero) digit = null;
    } else if (c in SMALL_UNITS) {
      const unit = SMALL_UNITS[c];
      // "十五" means 15: a leading 十 has an implicit 一.
      section += (digit ?? (section === 0 && unit === 10 ? 1 : Number.NaN)) * unit;
      if (Number.isNaN(section)) return null;
      digit = null;
      lastUnit = unit;
      lastWasZero = false;
    } else if (c in BIG_UNITS) {
      const unit = BIG_UNITS[c];
      section += digit ?? 0;
      if (section === 0 && total === 0) return null;
      total = (total + section) * unit;
      section = 0;
      digit = null;
      lastUnit = unit;
      lastWasZero = false;
    } else {
      return null;
    }
  }
  if (digit !== null) {
    // "三百五" is 350: a trailing digit right after a unit counts in the next smaller unit.
    const prev = s[s.length - 2];
    section +=
      prev && !lastWasZero && (prev in SMALL_UNITS || prev in BIG_UNITS) && lastUnit >= 100
        ? (digit * lastUnit) / 10
        : digit;
  }
  return total + section;
}

/** Digits or Chinese numerals to a number; null if neither. */
export function parseNumberToken(text: string): number | null {
  const t = text.replace(/,/g, "").trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  return parseChineseNumber(t);
}
