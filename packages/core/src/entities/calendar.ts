/** Calendar arithmetic on local dates held as UTC midnights, so no host time zone leaks in. */
export interface LocalDate {
  y: number;
  m: number;
  d: number;
}

export function localToday(now: Date, utcOffsetMinutes: number): LocalDate {
  const t = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function toUtc(date: LocalDate): Date {
  return new Date(Date.UTC(date.y, date.m - 1, date.d));
}

function fromUtc(t: Date): LocalDate {
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const t = toUtc(date);
  t.setUTCDate(t.getUTCDate() + days);
  return fromUtc(t);
}

export function addMonths(date: LocalDate, months: number): LocalDate {
  const total = date.y * 12 + (date.m - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return { y, m, d: Math.min(date.d, daysInMonth(y, m)) };
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isValidDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** 0 = Monday … 6 = Sunday (weeks start on Monday in both Chinese and ISO usage). */
export function isoWeekday(date: LocalDate): number {
  return (toUtc(date).getUTCDay() + 6) % 7;
}

export function diffDays(a: LocalDate, b: LocalDate): number {
  return Math.round((toUtc(a).getTime() - toUtc(b).getTime()) / 86_400_000);
}

export function formatDate(date: LocalDate): string {
  return `${String(date.y).padStart(4, "0")}-${String(date.m).padStart(2, "0")}-${String(date.d).padStart(2, "0")}`;
}

export function formatTime(h: number, min: number): string {
  return `${String(h).padStart(2, "0")}:${String(min).padStart(2, "0")}`;
}

/** Picks the year for a month and day said without one. */
export function resolveYear(
  m: number,
  d: number,
  today: LocalDate,
  bias: "nearest" | "future" | "past",
): LocalDate | null {
  const candidates = [today.y - 1, today.y, today.y + 1]
    .filter((y) => isValidDate(y, m, d))
    .map((y) => ({ y, m, d }));
  if (candidates.length === 0) return null;
  const scored = candidates
    .map((c) => ({ c, diff: diffDays(c, today) }))
    .filter(({ diff }) => (bias === "future" ? diff >= 0 : bias === "past" ? diff <= 0 : true))
    .sort((a, b) => Math.abs(a.diff) - Math.abs(b.diff));
  return scored[0]?.c ?? null;
}
