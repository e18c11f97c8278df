import { describe, expect, it } from "vitest";
import { strings } from "../i18n.ts";

/** Every string leaf of a table, functions called with sample arguments, by its key path. */
function leaves(table: object, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(table)) {
    if (k === "fmt" || k === "lang") continue;
    const key = `${prefix}${k}`;
    if (typeof v === "string") out.push([key, v]);
    else if (typeof v === "function")
      out.push([key, String((v as (...a: unknown[]) => unknown)(3, "x", "y"))]);
    else if (v && typeof v === "object") out.push(...leaves(v, `${key}.`));
  }
  return out;
}

describe("the Chinese tables", () => {
  it("have Chinese for every string shown in the console, not English left over", () => {
    // The brand, the "4.00 / 5" score and the "API" scope read the same in both languages.
    const same = new Set(["appName", "satisfactionOf", "scopeName.api"]);
    const english = leaves(strings.zh).filter(
      ([k, v]) => !same.has(k) && !/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/.test(v),
    );
    expect(english).toEqual([]);
  });
});
