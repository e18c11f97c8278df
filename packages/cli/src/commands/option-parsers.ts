import { UserInputError } from "@seekdesk/core";

/**
 * commander value parsers for numeric flags: a value out of range, or not a number at all, is one
 * line naming the flag and what it takes, instead of a NaN that fails somewhere later.
 */

/** A whole number from `min` to `max` (both included). */
export function integerFlag(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  return (v) => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || n < min || n > max)
      throw new UserInputError(`--${name}: expected an integer ${range}, got ${v}`);
    return n;
  };
}

/** A number from `min` to `max`; `minExcluded` leaves `min` itself out, as for a share of a set. */
export function numberFlag(
  name: string,
  min: number,
  max: number,
  opts: { minExcluded?: boolean } = {},
): (v: string) => number {
  const range = `${opts.minExcluded ? "(" : "["}${min}, ${max}]`;
  return (v) => {
    const n = Number(v);
    const aboveMin = opts.minExcluded ? n > min : n >= min;
    if (v.trim() === "" || !Number.isFinite(n) || !aboveMin || n > max)
      throw new UserInputError(`--${name}: expected a number in ${range}, got ${v}`);
    return n;
  };
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A time in the future: a duration from `now` (`90m`, `12h`, `30d`, `8w`) or an ISO 8601 date or
 * time (`2027-01-31`, midnight UTC; `2027-01-31T18:00:00+08:00`).
 */
export function futureTimeFlag(name: string, now: () => number = Date.now): (v: string) => Date {
  return (v) => {
    const t = v.trim();
    const duration = /^(\d+)\s*([mhdw])$/i.exec(t);
    let at: Date;
    if (duration) {
      at = new Date(
        now() + Number(duration[1]) * UNIT_MS[duration[2]?.toLowerCase() as keyof typeof UNIT_MS],
      );
    } else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) {
      at = new Date(t);
    } else {
      throw new UserInputError(
        `--${name}: expected a duration such as 30d, 12h, 90m or 8w, or a date such as 2027-01-31, got ${v}`,
      );
    }
    if (Number.isNaN(at.getTime())) throw new UserInputError(`--${name}: not a valid date: ${v}`);
    if (at.getTime() <= now()) throw new UserInputError(`--${name}: ${v} is not in the future`);
    return at;
  };
}
