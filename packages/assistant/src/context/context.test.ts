import { describe, expect, it } from "vitest";
import type { Turn } from "../types.ts";
import { detectLanguage } from "./language.ts";
import { applyProfileUpdates, extractName } from "./profile.ts";
import { contextWindow, turnsToSummarize } from "./window.ts";

const turns: Turn[] = Array.from({ length: 12 }, (_, i) => ({
  role: i % 2 ? "bot" : "user",
  text: `t${i}`,
  at: "2026-11-28T00:00:00Z",
}));

describe("context window", () => {
  it("keeps the last n turns and hands the rest to the summary once", () => {
    expect(contextWindow(turns, 8).map((t) => t.text)).toEqual([
      "t4",
      "t5",
      "t6",
      "t7",
      "t8",
      "t9",
      "t10",
      "t11",
    ]);
    expect(turnsToSummarize(turns, 8, 0).map((t) => t.text)).toEqual(["t0", "t1", "t2", "t3"]);
    expect(turnsToSummarize(turns, 8, 4)).toEqual([]);
    expect(contextWindow(turns, 0)).toEqual([]);
  });
});

describe("names and languages", () => {
  it.each([
    ["我叫王芳", "王芳"],
    ["你好，我的名字是李小龙。", "李小龙"],
    ["我是张伟，订单有问题", "张伟"],
    ["my name is Anna", "Anna"],
    ["hi, this is Mary Jones speaking", "Mary Jones"],
    ["call me Bob", "Bob"],
  ])("%s gives the name %s", (text, name) => expect(extractName(text)).toBe(name));

  it.each(["我是来退货的", "我是说订单", "this is ridiculous", "my name"])("%s gives no name", (text) => {
    expect(extractName(text)).toBeNull();
  });

  it("detects the language of a message and keeps it for ids alone", () => {
    expect(detectLanguage("我要退货", "en")).toBe("zh");
    expect(detectLanguage("I want a refund for SD20260001", "zh")).toBe("en");
    expect(detectLanguage("SD20260001", "zh")).toBe("zh");
    expect(detectLanguage("SD20260001", "en")).toBe("en");
  });
});

describe("profile updates", () => {
  it("replaces scalars, appends orders and issues without duplicates", () => {
    const now = new Date("2026-11-28T00:00:00Z");
    const p1 = applyProfileUpdates(null, "u1", { name: "王芳", pastOrders: ["SD20260001"] }, now);
    const p2 = applyProfileUpdates(
      p1,
      "u1",
      {
        language: "zh",
        pastOrders: ["SD20260001", "SD20260002"],
        pastIssues: [{ intent: "return_request", summary: "RMA-1", at: now.toISOString() }],
      },
      now,
    );
    expect(p2).toMatchObject({
      userId: "u1",
      name: "王芳",
      language: "zh",
      pastOrders: ["SD20260001", "SD20260002"],
    });
    expect(p2.pastIssues).toHaveLength(1);
  });
});
