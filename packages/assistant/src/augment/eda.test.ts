import { describe, expect, it } from "vitest";
import { augmentExamples, edaVariants, synonymEntryCount, synonymsOf } from "./index.ts";

describe("EDA augmentation", () => {
  it("produces n distinct variants that differ from the input, in Chinese and English", () => {
    for (const text of ["我想查一下我的快递到哪了", "How do I change the password of my account?"]) {
      const variants = edaVariants(text, { variants: 6, seed: 4 });
      expect(variants, text).toHaveLength(6);
      expect(new Set(variants).size).toBe(6);
      expect(variants).not.toContain(text);
    }
  });

  it("moves whole jieba words in Chinese, never half a word", () => {
    const variants = edaVariants("我的银行卡被冻结了怎么解冻", { variants: 8, seed: 2 });
    expect(variants).toHaveLength(8);
    for (const v of variants) {
      // Swaps and deletions move 银行卡, 冻结 and 解冻 as wholes: no stray half-words remain.
      expect(v.replace(/银行卡|储蓄卡/g, ""), v).not.toMatch(/银|行卡|储蓄/);
      expect(v.replace(/冻结|解冻|锁定|解锁/g, ""), v).not.toMatch(/冻/);
    }
    expect(synonymsOf("快递")).toEqual(expect.arrayContaining(["包裹", "物流"]));
    expect(synonymsOf("Refund")).toContain("reimbursement");
  });

  it("keeps every variant's label and is reproducible with a seed", () => {
    const examples = [
      { text: "where is my parcel", intent: "track_order" },
      { text: "我要退款", intent: "refund" },
    ];
    const a = augmentExamples(examples, { variants: 3, seed: 9 });
    const b = augmentExamples(examples, { variants: 3, seed: 9 });
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(examples.length);
    expect(a.length).toBeLessThanOrEqual(examples.length * 4);
    for (const e of a) {
      const source = /[\u4e00-\u9fff]/.test(e.text) ? "refund" : "track_order";
      expect(e.intent).toBe(source);
    }
  });

  it("ships a lexicon of a few hundred entries and never empties an utterance", () => {
    expect(synonymEntryCount()).toBeGreaterThan(300);
    for (const v of edaVariants("退款", { variants: 4, seed: 1 })) expect(v.length).toBeGreaterThan(0);
  });
});
