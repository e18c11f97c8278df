import { describe, expect, it } from "vitest";
import { citationLabel, sourceView } from "./citations.ts";

describe("citations", () => {
  it("labels a citation without repeating the document title in the section path", () => {
    expect(citationLabel({ title: "Shipping", section: "Shipping > Delivery times" })).toBe(
      "Shipping · Delivery times",
    );
    expect(citationLabel({ title: "Shipping", section: "Shipping" })).toBe("Shipping");
    expect(citationLabel({ title: "Shipping" })).toBe("Shipping");
    expect(citationLabel({ title: "Returns", section: "Fees" })).toBe("Returns · Fees");
  });

  it("marks the cited span and trims long documents around it", () => {
    const text = `${"a".repeat(1000)}CITED${"b".repeat(1000)}`;
    const v = sourceView(
      { title: "Doc", text },
      { docId: "d", title: "Doc", source: "x", start: 1000, end: 1005 },
      10,
    );
    expect(v.cited).toBe("CITED");
    expect(v.before).toBe(`… ${"a".repeat(10)}`);
    expect(v.after).toBe(`${"b".repeat(10)} …`);
  });

  it("keeps offsets inside the document when the text changed since it was cited", () => {
    const v = sourceView(
      { title: "Doc", text: "short" },
      { docId: "d", title: "Doc", source: "x", start: 3, end: 99 },
    );
    expect(v).toEqual({ title: "Doc", before: "sho", cited: "rt", after: "" });
  });
});
