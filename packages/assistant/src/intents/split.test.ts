import { describe, expect, it } from "vitest";
import { stratifiedFolds } from "./split.ts";

describe("stratifiedFolds", () => {
  const items = [
    ...Array.from({ length: 7 }, (_, i) => ({ text: `a${i}`, label: "a" })),
    ...Array.from({ length: 5 }, (_, i) => ({ text: `b${i}`, label: "b" })),
    { text: "lonely", label: "c" },
  ];

  it("spreads every label over the folds and keeps a single-example label out of all of them", () => {
    const folds = stratifiedFolds(items, (e) => e.label, 3, 1);
    expect(folds).toHaveLength(items.length);
    expect(folds[items.length - 1]).toBe(-1);
    for (const label of ["a", "b"]) {
      const counts = [0, 0, 0];
      items.forEach((e, i) => {
        if (e.label === label) counts[folds[i]]++;
      });
      expect(Math.max(...counts) - Math.min(...counts), label).toBeLessThanOrEqual(1);
    }
    const sizes = [0, 1, 2].map((f) => folds.filter((g) => g === f).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it("is reproducible for a seed and differs between seeds", () => {
    expect(stratifiedFolds(items, (e) => e.label, 3, 1)).toEqual(
      stratifiedFolds(items, (e) => e.label, 3, 1),
    );
    expect(stratifiedFolds(items, (e) => e.label, 3, 2)).not.toEqual(
      stratifiedFolds(items, (e) => e.label, 3, 1),
    );
  });

  it("refuses fewer than two folds", () => {
    expect(() => stratifiedFolds(items, (e) => e.label, 1, 1)).toThrow(/at least 2 folds/);
    expect(() => stratifiedFolds(items, (e) => e.label, 2.5, 1)).toThrow(/at least 2 folds/);
  });
});
