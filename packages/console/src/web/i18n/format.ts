/**
 * Numbers, percentages, durations, dates and relative times in one locale, through `Intl`, so a
 * Chinese console reads "11月28日 14:05" and "3分钟前" where an English one reads "Nov 28, 2:05 PM"
 * and "3 minutes ago". The formatters are built once per locale: `Intl` constructors are not cheap.
 */
export interface Format {
  locale: string;
  number(n: number): string;
  /** A fraction (0.123) as a percentage with `digits` decimals; null as a dash. */
  percent(v: number | null, digits?: number): string;
  decimal(v: number, digits: number): string;
  /** Milliseconds with the locale's unit ("12 ms", "12毫秒"); null as a dash. */
  ms(v: number | null | undefined): string;
  /** A calendar day ("2026-11-28") as a short date without the year. */
  day(isoDate: string): string;
  dateTime(iso: string): string;
  /** How long ago `iso` was, relative to `now`. */
  ago(iso: string, now?: number): string;
  /** A language code ("zh", "en-GB") by its name in this locale; the code itself if unknown. */
  languageName(code: string): string;
}

const DASH = "—";

export function makeFormat(locale: string): Format {
  const num = new Intl.NumberFormat(locale);
  const fixed = new Map<string, Intl.NumberFormat>();
  const withDigits = (style: "percent" | "decimal", digits: number) => {
    const key = `${style}:${digits}`;
    let f = fixed.get(key);
    if (!f) {
      f = new Intl.NumberFormat(locale, {
        style,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      fixed.set(key, f);
    }
    return f;
  };
  const msFmt = new Intl.NumberFormat(locale, {
    style: "unit",
    unit: "millisecond",
    maximumFractionDigits: 0,
  });
  // Calendar days come from the server as UTC dates: format them in UTC so they do not shift a day.
  const dayFmt = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([locale], { type: "language" });
  } catch {
    names = null;
  }
  return {
    locale,
    number: (n) => num.format(n),
    percent: (v, digits = 1) => (v === null ? DASH : withDigits("percent", digits).format(v)),
    decimal: (v, digits) => withDigits("decimal", digits).format(v),
    ms: (v) => (v === null || v === undefined ? DASH : msFmt.format(v)),
    day: (isoDate) => {
      const d = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(d.getTime()) ? isoDate : dayFmt.format(d);
    },
    dateTime: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
    },
    ago: (iso, now = Date.now()) => {
      const t = new Date(iso).getTime();
      if (Number.isNaN(t)) return iso;
      const s = Math.round((t - now) / 1000);
      const abs = Math.abs(s);
      if (abs < 60) return rel.format(0, "second");
      if (abs < 3600) return rel.format(Math.round(s / 60), "minute");
      if (abs < 86_400) return rel.format(Math.round(s / 3600), "hour");
      return rel.format(Math.round(s / 86_400), "day");
    },
    languageName: (code) => {
      try {
        return names?.of(code) ?? code;
      } catch {
        return code; // not a well-formed language tag
      }
    },
  };
}
