import { describe, expect, it } from "vitest";
import { integerFlag, numberFlag } from "./option-parsers.ts";

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
