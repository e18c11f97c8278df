import { addDays, formatDate, formatTime } from "./calendar.ts";
import { parseNumberToken } from "./chinese-numerals.ts";
import { type RecognizerContext, scan, spanOf } from "./context.ts";
import type { Entity } from "./types.ts";

const NUM = `(?:\\d{1,2}|[零一二两三四五六七八九十]{1,3})`;

/** Periods of the day and the day they imply ("今晚" is tonight, "明早" tomorrow morning). */
const ZH_PERIODS: Record<string, { pm: boolean | "noon"; dayOffset?: number }> = {
  凌晨: { pm: false },
  早上: { pm: false },
  早晨: { pm: false },
  清晨: { pm: false },
  上午: { pm: false },
  中午: { pm: "noon" },
  下午: { pm: true },
  傍晚: { pm: true },
  晚上: { pm: true },
  夜里: { pm: true },
  夜间: { pm: true },
  今早: { pm: false, dayOffset: 0 },
  今晚: { pm: true, dayOffset: 0 },
  明早: { pm: false, dayOffset: 1 },
  明晚: { pm: true, dayOffset: 1 },
};
const ZH_PERIOD_RE = Object.keys(ZH_PERIODS).join("|");

function to24(h: number, pm: boolean | "noon" | undefined): number {
  if (pm === "noon") return h < 6 ? h + 12 : h;
  if (pm === true) return h < 12 ? h + 12 : h;
  if (pm === false && h === 12) return 0;
  return h;
}

function timeEntity(
  m: RegExpExecArray,
  h: number,
  min: number,
  ctx: RecognizerContext,
  dayOffset?: number,
): Entity | null {
  if (h > 24 || min > 59 || h < 0 || min < 0) return null;
  const hh = h === 24 ? 0 : h;
  const base = spanOf(m);
  if (dayOffset !== undefined) {
    return {
      ...base,
      kind: "datetime",
      value: `${formatDate(addDays(ctx.today, dayOffset + (h === 24 ? 1 : 0)))}T${formatTime(hh, min)}`,
    };
  }
  return { ...base, kind: "time", value: formatTime(hh, min) };
}

export function recognizeTimes(text: string, ctx: RecognizerContext): Entity[] {
  const out: Entity[] = [];

  // 下午三点, 三点半, 15点30分, 晚上8点一刻, 今晚八点, 10点整
  out.push(
    ...scan(
      text,
      new RegExp(
        `(${ZH_PERIOD_RE})?\\s*(${NUM})\\s*[点點时](?:钟)?(?:(半)|(一刻)|(三刻)|(整)|(${NUM})\\s*分?)?(?![\\d多])`,
        "g",
      ),
      (m) => {
        const period = m[1] ? ZH_PERIODS[m[1]] : undefined;
        const h = parseNumberToken(m[2]);
        if (h === null) return null;
        const min = m[3] ? 30 : m[4] ? 15 : m[5] ? 45 : m[7] ? parseNumberToken(m[7]) : 0;
        if (min === null) return null;
        // "三点" could be a count of points; without a period, minutes or a date nearby it is still the usual reading.
        return timeEntity(m, to24(h, period?.pm), min, ctx, period?.dayOffset);
      },
    ),
  );

  // 15:30, 9:05, with an optional Chinese period before or am/pm after
  out.push(
    ...scan(
      text,
      new RegExp(
        `(${ZH_PERIOD_RE})?\\s*(?<![\\d:])(\\d{1,2})[:：](\\d{2})(?![\\d:])(?:\\s*([ap])\\.?m\\.?\\b)?`,
        "gi",
      ),
      (m) => {
        const h = Number(m[2]);
        const min = Number(m[3]);
        const period = m[1] ? ZH_PERIODS[m[1]] : undefined;
        const pm = m[4] ? m[4].toLowerCase() === "p" : period?.pm;
        if (m[4] && (h < 1 || h > 12)) return null;
        return timeEntity(m, to24(h, pm), min, ctx, period?.dayOffset);
      },
    ),
  );

  // 3pm, 3 p.m., 11am
  out.push(
    ...scan(text, /\b(\d{1,2})\s*([ap])\.?m\b\.?/gi, (m) => {
      const h = Number(m[1]);
      if (h < 1 || h > 12) return null;
      return timeEntity(m, to24(h, m[2].toLowerCase() === "p"), 0, ctx);
    }),
  );

  // 3 o'clock, 3 in the afternoon
  out.push(
    ...scan(
      text,
      /\b(\d{1,2})\s*(?:o'?clock)?\s*in the (morning|afternoon|evening)\b|\b(\d{1,2})\s*o'?clock\b/gi,
      (m) => {
        const h = Number(m[1] ?? m[3]);
        if (h < 1 || h > 12) return null;
        const part = m[2]?.toLowerCase();
        return timeEntity(m, to24(h, part === undefined ? undefined : part !== "morning"), 0, ctx);
      },
    ),
  );

  out.push(
    ...scan(text, /\b(noon|midday|midnight)\b/gi, (m) =>
      timeEntity(m, m[1].toLowerCase() === "midnight" ? 0 : 12, 0, ctx),
    ),
  );

  return out;
}
