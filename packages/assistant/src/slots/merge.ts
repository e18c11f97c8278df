import type { SlotDefinition } from "../domain/schema.ts";
import type { SlotValue } from "../types.ts";
import { localStamp } from "./validate.ts";

const ZH_BARE_WEEKDAY = /^(?:周|星期|礼拜)([一二三四五六日天])$/;
const EN_BARE_WEEKDAY = /^(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$/i;
const ZH_WD: Record<string, number> = { 一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 日: 6, 天: 6 };
const EN_WD = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

function bareWeekday(raw: string): number | null {
  const zh = ZH_BARE_WEEKDAY.exec(raw.trim());
  if (zh) return ZH_WD[zh[1]];
  const en = EN_BARE_WEEKDAY.exec(raw.trim());
  return en ? EN_WD.indexOf(en[1].toLowerCase()) : null;
}

/** The same weekday `wd` (0 = Monday) in the week of an ISO date. */
function sameWeek(isoDate: string, wd: number): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const current = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() + wd - current);
  return t.toISOString().slice(0, 10);
}

const MORNING = /凌晨|早上|早晨|清晨|上午|今早|明早|夜里|半夜|(?<![a-z])a\.?m\b|morning|night/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;

/**
 * Folds a new value into the old one of the same slot. A correction "不对，是周三" after
 * "下周二下午三点" means Wednesday of that same week at the same time; a date alone keeps the
 * old time and a time alone keeps the old date.
 */
export function mergeSlotValue(
  def: SlotDefinition,
  old: SlotValue | undefined,
  next: SlotValue,
  now: Date,
  utcOffsetMinutes: number,
): SlotValue {
  if (def.type !== "datetime" && def.type !== "date") return next;
  const n = String(next.normalized);
  const o = old ? String(old.normalized) : "";
  const oldDate = /^\d{4}-\d{2}-\d{2}/.exec(o)?.[0];
  const oldTime = /\d{2}:\d{2}$/.exec(o)?.[0];
  let date = /^\d{4}-\d{2}-\d{2}/.exec(n)?.[0];
  let time = /\d{2}:\d{2}$/.exec(n)?.[0];
  const wd = bareWeekday(next.raw);
  if (wd !== null && oldDate) date = sameWeek(oldDate, wd);
  if (def.type === "date") return { ...next, normalized: date ?? n };
  if (DATE.test(n) && !time) time = oldTime;
  if (TIME.test(n)) {
    if (oldDate) date = oldDate;
    else {
      // A time with no day yet means the next such time: today if still ahead, else tomorrow.
      const stamp = localStamp(now, utcOffsetMinutes);
      const today = stamp.slice(0, 10);
      date =
        n > stamp.slice(11)
          ? today
          : new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    }
  }
  // "三点半" or "at 3" for a delivery means the afternoon: nobody books 03:30. Only hours said
  // without a morning or night word are moved.
  if (time && def.future && /^0[1-6]:/.test(time) && !MORNING.test(next.raw)) {
    time = `${String(Number(time.slice(0, 2)) + 12)}${time.slice(2)}`;
  }
  const normalized = date && time ? `${date}T${time}` : (date ?? n);
  return { ...next, normalized };
}
