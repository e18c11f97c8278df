import { CN_NUMERAL, parseNumberToken } from "./chinese-numerals.ts";
import { type RecognizerContext, scan, spanOf } from "./context.ts";
import type { Entity } from "./types.ts";

/** Regex alternatives longest first, so "minutes" is tried before "m". */
function longestFirst(alternatives: string): string {
  return alternatives
    .split("|")
    .sort((a, b) => b.replace("?", "").length - a.replace("?", "").length)
    .join("|");
}

const DIGITS = `\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?`;
/** A number said with digits, Chinese numerals or a mix ("1.5万"). */
const AMOUNT = `(?:(?:${DIGITS})\\s*[万千百]?|${CN_NUMERAL})`;

const CURRENCY_PREFIX: [RegExp, string][] = [
  [/^(us\$|usd)$/i, "USD"],
  [/^(hk\$|hkd)$/i, "HKD"],
  [/^\$$/, "USD"],
  [/^(¥|￥|rmb|cny)$/i, "CNY"],
  [/^(€|eur)$/i, "EUR"],
  [/^(£|gbp)$/i, "GBP"],
];
const CURRENCY_SUFFIX: [RegExp, string][] = [
  [/^(元|块钱|块|圆|人民币|rmb|cny|yuan|kuai)$/i, "CNY"],
  [/^(美元|美金|usd|dollars?|bucks?)$/i, "USD"],
  [/^(港币|港元|hkd)$/i, "HKD"],
  [/^(欧元|eur|euros?)$/i, "EUR"],
  [/^(英镑|gbp|pounds?)$/i, "GBP"],
];
const PREFIX_RE = "US\\$|HK\\$|USD|HKD|RMB|CNY|EUR|GBP|\\$|¥|￥|€|£";
const SUFFIX_RE = longestFirst(
  "块钱|元|块|圆|人民币|美元|美金|港币|港元|欧元|英镑|rmb|cny|yuan|kuai|usd|dollars?|bucks?|hkd|eur|euros?|gbp|pounds?",
);

const UNITS: [RegExp, string][] = [
  [/^(公斤|千克|kg|kgs|kilograms?|kilos?)$/i, "kg"],
  [/^(克|g|grams?)$/i, "g"],
  [/^斤$/, "jin"],
  [/^(吨|t|tons?|tonnes?)$/i, "t"],
  [/^(公里|千米|km|kilometers?|kilometres?)$/i, "km"],
  [/^(厘米|cm|centimeters?|centimetres?)$/i, "cm"],
  [/^(毫米|mm)$/i, "mm"],
  [/^(米|m|meters?|metres?)$/i, "m"],
  [/^(毫升|ml)$/i, "mL"],
  [/^(升|l|liters?|litres?)$/i, "L"],
  [/^(件|个|個|pcs|pieces?|items?)$/i, "piece"],
  [/^(箱|boxes|box)$/i, "box"],
  [/^(天|days?)$/i, "day"],
  [/^(小时|hours?|hrs?)$/i, "hour"],
  [/^(分钟|minutes?|mins?)$/i, "minute"],
];
const UNIT_RE = longestFirst(
  "公斤|千克|公里|千米|厘米|毫米|毫升|小时|分钟|克|斤|吨|米|升|件|个|個|箱|天|kilograms?|kilos?|kgs|kg|grams?|g|tonnes?|tons?|t|kilometers?|kilometres?|km|centimeters?|centimetres?|cm|mm|meters?|metres?|m|ml|liters?|litres?|l|pcs|pieces?|items?|boxes|box|days?|hours?|hrs?|minutes?|mins?",
);

function lookup(table: [RegExp, string][], word: string): string | null {
  for (const [re, value] of table) if (re.test(word)) return value;
  return null;
}

function amountOf(text: string): number | null {
  const t = text.replace(/\s+/g, "").replace(/,/g, "");
  return parseNumberToken(t);
}

const isAsciiWord = (s: string) => /^[a-z]/i.test(s);

export function recognizeAmounts(text: string, _ctx: RecognizerContext): Entity[] {
  const out: Entity[] = [];

  // ¥1,299.00, $20, RMB 100, US$ 5.5
  out.push(
    ...scan(
      text,
      new RegExp(`(?<![A-Za-z])(${PREFIX_RE})\\s?(${DIGITS})(\\s*[万千kK])?(?![\\d])`, "g"),
      (m) => {
        const currency = lookup(CURRENCY_PREFIX, m[1]);
        let amount = Number(m[2].replace(/,/g, ""));
        const mult = m[3]?.trim();
        if (mult === "万") amount *= 10_000;
        else if (mult === "千" || mult === "k" || mult === "K") amount *= 1000;
        if (!currency || !Number.isFinite(amount)) return null;
        return {
          kind: "money",
          ...spanOf(m),
          value: { amount, currency },
        };
      },
    ),
  );

  // 三百五十元, 350块, 1.5万元, 20 dollars, 3块5 (3.5 yuan)
  out.push(
    ...scan(text, new RegExp(`(?<![A-Za-z\\d.])(${AMOUNT})\\s*(${SUFFIX_RE})(\\d)?`, "gi"), (m) => {
      const unit = m[2];
      const after = text[m.index + m[0].length] ?? "";
      if (isAsciiWord(unit) && /[A-Za-z]/.test(after)) return null;
      const currency = lookup(CURRENCY_SUFFIX, unit);
      let amount = amountOf(m[1]);
      if (currency === null || amount === null) return null;
      if (m[3] !== undefined) {
        if (unit !== "块") return null;
        amount += Number(m[3]) / 10;
      }
      return {
        kind: "money",
        ...spanOf(m),
        value: { amount, currency },
      };
    }),
  );

  // 2公斤, 5 kg, 三件
  out.push(
    ...scan(text, new RegExp(`(?<![A-Za-z\\d.])(${AMOUNT})\\s*(${UNIT_RE})`, "gi"), (m) => {
      const unitWord = m[2];
      const after = text[m.index + m[0].length] ?? "";
      if (isAsciiWord(unitWord) && /[A-Za-z]/.test(after)) return null;
      // "5 m" after digits only; "5 am" is a time and "3 mins" a duration, both handled elsewhere.
      const unit = lookup(UNITS, unitWord);
      const amount = amountOf(m[1]);
      if (unit === null || amount === null) return null;
      return {
        kind: "quantity",
        ...spanOf(m),
        value: { amount, unit },
      };
    }),
  );

  // Plain numbers: digits, or Chinese numerals with a unit character (三百, 二十五) so "一下" stays a word.
  out.push(
    ...scan(
      text,
      new RegExp(
        `(?<![\\w.])(${DIGITS})(?![\\w.])|([${"零〇一二两三四五六七八九"}]?[十百千万亿][${"零〇一二两三四五六七八九十百千万亿"}]*)`,
        "g",
      ),
      (m) => {
        const value = m[1] !== undefined ? Number(m[1].replace(/,/g, "")) : amountOf(m[2]);
        if (value === null || !Number.isFinite(value)) return null;
        if (m[2] !== undefined && /^[万亿]/.test(m[2])) return null;
        return { kind: "number", ...spanOf(m), value };
      },
    ),
  );

  return out;
}
