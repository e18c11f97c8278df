import {
  addDays,
  addMonths,
  formatDate,
  isoWeekday,
  isValidDate,
  type LocalDate,
  resolveYear,
} from "./calendar.ts";
import { CN_NUMERAL, parseNumberToken } from "./chinese-numerals.ts";
import { type RecognizerContext, scan } from "./context.ts";
import type { Entity } from "./types.ts";

const NUM = `(?:\\d{1,2}|[零一二两三四五六七八九十]{1,3})`;

const ZH_WEEKDAY: Record<string, number> = {
  一: 0,
  二: 1,
  三: 2,
  四: 3,
  五: 4,
  六: 5,
  日: 6,
  天: 6,
  "1": 0,
  "2": 1,
  "3": 2,
  "4": 3,
  "5": 4,
  "6": 5,
  "7": 6,
};
const EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const EN_WEEKDAY_RE = "(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs)";
const EN_MONTHS: Record<string, number> = {
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sept: 9,
  sep: 9,
  october: 10,
  oct: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
};
const EN_MONTH_RE = `(${Object.keys(EN_MONTHS)
  .sort((a, b) => b.length - a.length)
  .join("|")})\\.?`;
const EN_SMALL: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  ten: 10,
};

function date(m: RegExpExecArray, value: LocalDate | null, offset = 0, length?: number): Entity | null {
  if (!value) return null;
  const text = length === undefined ? m[0] : m[0].slice(offset, offset + length);
  return {
    kind: "date",
    text,
    start: m.index + offset,
    end: m.index + offset + text.length,
    value: formatDate(value),
  };
}

/** The weekday `wd` in the week `weeksAhead` from this one (weeks start on Monday). */
function weekdayIn(today: LocalDate, wd: number, weeksAhead: number): LocalDate {
  return addDays(today, weeksAhead * 7 + wd - isoWeekday(today));
}

/** The next `wd` on or after today. */
function upcomingWeekday(today: LocalDate, wd: number): LocalDate {
  return addDays(today, (wd - isoWeekday(today) + 7) % 7);
}

const ZH_RELATIVE_DAYS: Record<string, number> = {
  今天: 0,
  今日: 0,
  今儿: 0,
  明天: 1,
  明日: 1,
  明儿: 1,
  后天: 2,
  大后天: 3,
  昨天: -1,
  昨日: -1,
  前天: -2,
  大前天: -3,
};

export function recognizeDates(text: string, ctx: RecognizerContext): Entity[] {
  const { today, bias } = ctx;
  const out: Entity[] = [];
  /** An English month and day, in the year written or, with none, the one `resolveYear` picks. */
  const monthDay = (m: RegExpExecArray, mo: number, d: number, year: string | undefined) => {
    if (!year) return date(m, resolveYear(mo, d, today, bias));
    const y = Number(year);
    return isValidDate(y, mo, d) ? date(m, { y, m: mo, d }) : null;
  };

  out.push(
    ...scan(text, /大后天|大前天|今天|今日|今儿|明天|明日|明儿|后天|昨天|昨日|前天/g, (m) =>
      date(m, addDays(today, ZH_RELATIVE_DAYS[m[0]])),
    ),
  );

  // 下周二, 下下周一, 这周五, 上星期三, 周日, 礼拜天
  out.push(
    ...scan(text, /(下下|下|上|这|本)?(?:个)?(周|星期|礼拜)([一二三四五六日天1-7])/g, (m) => {
      const wd = ZH_WEEKDAY[m[3]];
      const prefix = m[1];
      if (prefix === undefined) return date(m, upcomingWeekday(today, wd));
      const weeks = prefix === "下下" ? 2 : prefix === "下" ? 1 : prefix === "上" ? -1 : 0;
      return date(m, weekdayIn(today, wd, weeks));
    }),
  );

  // 2026年3月5日, 3月5号, 三月五日
  out.push(
    ...scan(
      text,
      new RegExp(
        `(?:(\\d{4}|[零〇一二三四五六七八九]{4})年)?(${NUM})月(?:份)?(${NUM})(?:日|号|號)?(?![\\d线楼]|${CN_NUMERAL})`,
        "g",
      ),
      (m) => {
        const mo = parseNumberToken(m[2]);
        const d = parseNumberToken(m[3]);
        if (mo === null || d === null) return null;
        if (m[1]) {
          const y = parseNumberToken(m[1]);
          return y !== null && isValidDate(y, mo, d) ? date(m, { y, m: mo, d }) : null;
        }
        // "3月5" without 日/号 is still a date, but "3月" alone is not.
        return date(m, resolveYear(mo, d, today, bias));
      },
    ),
  );

  // 5号, 下个月5号, 本月20日 (not 3号线, 5号楼)
  out.push(
    ...scan(
      text,
      new RegExp(`(下个?月|本月|这个月|上个?月)?(${NUM})(日|号|號)(?![线線楼樓门門房床馆館口])`, "g"),
      (m) => {
        const d = parseNumberToken(m[2]);
        if (d === null || d < 1 || d > 31) return null;
        const shift = m[1] ? (m[1].startsWith("下") ? 1 : m[1].startsWith("上") ? -1 : 0) : 0;
        let month = addMonths({ ...today, d: 1 }, shift);
        // A bare day already past this month means next month's ("5号" said on the 20th).
        if (!m[1] && d < today.d && bias !== "past") month = addMonths(month, 1);
        return isValidDate(month.y, month.m, d) ? date(m, { ...month, d }) : null;
      },
    ),
  );

  // 3天后, 两周后, 一个月以后, 三天前
  out.push(
    ...scan(
      text,
      new RegExp(`(\\d+|${CN_NUMERAL})\\s*(?:个)?(天|日|周|星期|礼拜|月)(后|以后|之后|前|以前|之前)`, "g"),
      (m) => {
        const n = parseNumberToken(m[1]);
        if (n === null) return null;
        const sign = m[3].endsWith("前") ? -1 : 1;
        if (m[2] === "月") return date(m, addMonths(today, sign * n));
        const days = m[2] === "天" || m[2] === "日" ? n : n * 7;
        return date(m, addDays(today, sign * days));
      },
    ),
  );

  // ISO and slashed: 2026-12-01, 2026/12/1, 2026.12.01
  out.push(
    ...scan(text, /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g, (m) => {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return isValidDate(y, mo, d) ? date(m, { y, m: mo, d }) : null;
    }),
  );

  // English relative words.
  out.push(
    ...scan(
      text,
      /\b(the day after tomorrow|the day before yesterday|today|tonight|tomorrow|yesterday)\b/gi,
      (m) => {
        const w = m[1].toLowerCase();
        const days =
          w === "the day after tomorrow"
            ? 2
            : w === "the day before yesterday"
              ? -2
              : w === "tomorrow"
                ? 1
                : w === "yesterday"
                  ? -1
                  : 0;
        return date(m, addDays(today, days));
      },
    ),
  );

  // next Tuesday, this Friday, last Monday, on Tuesday, Tuesday
  out.push(
    ...scan(text, new RegExp(`\\b(?:(next|this|last|coming|on)\\s+)?${EN_WEEKDAY_RE}\\b`, "gi"), (m) => {
      const name = m[2].toLowerCase();
      const wd = EN_WEEKDAYS.findIndex((w) => w.startsWith(name.slice(0, 3)));
      const prefix = m[1]?.toLowerCase();
      // "next Tuesday" is read as the Tuesday of next week, like 下周二.
      if (prefix === "next") return date(m, weekdayIn(today, wd, 1));
      if (prefix === "last") return date(m, weekdayIn(today, wd, -1));
      if (prefix === "this") return date(m, weekdayIn(today, wd, 0));
      return date(m, upcomingWeekday(today, wd));
    }),
  );

  // Dec 5, December 5th, 2026; 5 December; the 5th of December
  out.push(
    ...scan(
      text,
      new RegExp(`\\b${EN_MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s*(\\d{4})\\b)?`, "gi"),
      (m) => {
        // "may" in lower case is the verb ("you may 3 times"); the month is written "May".
        if (m[1] === "may") return null;
        return monthDay(m, EN_MONTHS[m[1].toLowerCase()], Number(m[2]), m[3]);
      },
    ),
  );
  out.push(
    ...scan(
      text,
      new RegExp(
        `\\b(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${EN_MONTH_RE}(?:,?\\s*(\\d{4})\\b)?`,
        "gi",
      ),
      (m) => {
        return monthDay(m, EN_MONTHS[m[2].toLowerCase()], Number(m[1]), m[3]);
      },
    ),
  );

  // in 3 days, in two weeks, 3 days later, 2 days ago
  out.push(
    ...scan(
      text,
      /\b(?:in\s+(\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(day|week|month)s?|(\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(day|week|month)s?\s+(later|from now|ago))\b/gi,
      (m) => {
        const nText = (m[1] ?? m[3]).toLowerCase();
        const n = EN_SMALL[nText] ?? Number(nText);
        const unit = (m[2] ?? m[4]).toLowerCase();
        const sign = m[5]?.toLowerCase() === "ago" ? -1 : 1;
        if (unit === "month") return date(m, addMonths(today, sign * n));
        return date(m, addDays(today, sign * n * (unit === "week" ? 7 : 1)));
      },
    ),
  );

  return out;
}
