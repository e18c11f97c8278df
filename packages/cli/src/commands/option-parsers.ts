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
