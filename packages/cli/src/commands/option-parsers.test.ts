import { describe, expect, it } from "vitest";
import { futureTimeFlag, integerFlag, numberFlag } from "./option-parsers.ts";

describe("numeric flag parsers", () => {
  it("take whole numbers in range and refuse the rest, naming the flag", () => {
    const delay = integerFlag("delay", 0, 3_600_000);
    expect(delay("0")).toBe(0);
    expect(delay("1500")).toBe(1500);
    for (const bad of ["abc", "", "1.5", "-1", "1e3", "3600001"])
      expect(() => delay(bad)).toThrow(`--delay: expected an integer from 0 to 3600000, got ${bad}`);
    expect(() => integerFlag("rpm")("0")).toThrow("--rpm: expected an integer of at least 1, got 0");
  });

  it("take numbers in a closed or half-open range", () => {
    const share = numberFlag("validation", 0, 1);
    expect(share("0")).toBe(0);
    expect(share("0.25")).toBe(0.25);
    for (const bad of ["", "x", "1.01", "-0.1", "NaN", "Infinity"])
      expect(() => share(bad)).toThrow(`--validation: expected a number in [0, 1], got ${bad}`);
    const recall = numberFlag("target-oos-recall", 0, 1, { minExcluded: true });
    expect(recall("1")).toBe(1);
    expect(() => recall("0")).toThrow("--target-oos-recall: expected a number in (0, 1], got 0");
  });
});

describe("futureTimeFlag", () => {
  const now = Date.parse("2026-11-29T12:00:00.000Z");
  const expires = futureTimeFlag("expires", () => now);
  it("takes a duration from now or an ISO date or time", () => {
    expect(expires("90m").toISOString()).toBe("2026-11-29T13:30:00.000Z");
    expect(expires("12h").toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(expires("30d").toISOString()).toBe("2026-12-29T12:00:00.000Z");
    expect(expires("2W").toISOString()).toBe("2026-12-13T12:00:00.000Z");
    expect(expires("2027-01-31").toISOString()).toBe("2027-01-31T00:00:00.000Z");
    expect(expires("2027-01-31T18:00:00+08:00").toISOString()).toBe("2027-01-31T10:00:00.000Z");
  });
  it("refuses what is not a time, or not in the future, naming the flag", () => {
    for (const bad of ["", "soon", "30", "30y", "-1d", "31/01/2027"])
      expect(() => expires(bad)).toThrow(/^--expires: expected a duration such as 30d/);
    expect(() => expires("2027-02-30T99:00")).toThrow("--expires: not a valid date: 2027-02-30T99:00");
    expect(() => expires("0d")).toThrow("--expires: 0d is not in the future");
    expect(() => expires("2026-11-29")).toThrow("--expires: 2026-11-29 is not in the future");
  });
});
