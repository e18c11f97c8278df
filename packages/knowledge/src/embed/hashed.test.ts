import { describe, expect, it } from "vitest";
import { HashedNgramEmbedder } from "./hashed.ts";
import { cosine } from "./types.ts";

const embedder = new HashedNgramEmbedder();

/** Index of the FAQ entry closest to the query. */
function nearest(query: string, faq: readonly string[]): number {
  const q = embedder.embedOne(query);
  const scores = faq.map((f) => cosine(q, embedder.embedOne(f)));
  return scores.indexOf(Math.max(...scores));
}

describe("hashed n-gram embedder", () => {
  it("gives the same unit vector for the same text, in any instance, and folds full-width forms", async () => {
    const a = embedder.embedOne("花呗ＡＢＣ１２３怎么还款");
    const [b] = await new HashedNgramEmbedder().embed(["花呗ABC123怎么还款"]);
    expect(b).toEqual(a);
    expect(a).toHaveLength(256);
    expect(cosine(a, a)).toBeCloseTo(1, 6);
    expect(new HashedNgramEmbedder(64).embedOne("花呗")).toHaveLength(64);
  });

  it("finds the FAQ entry a reworded Chinese question means, typos and synonyms included", () => {
    const faq = [
      "花呗冻结了怎么解开",
      "借呗还款记录在哪里看",
      "怎么提高花呗额度",
      "花呗可以分期付款吗",
      "借呗借款多久到账",
      "支付宝账号怎么注销",
    ];
    // Each query shares few or no jieba words with its entry, only characters: 解冻/冻结,
    // 纪录/记录 (a common typo), 提升/提高, 帐号/账号.
    const queries = [
      "花呗要怎么解冻",
      "借呗还款纪录在哪看",
      "花呗额度如何提升",
      "蚂蚁花呗能不能分期",
      "借呗借的钱什么时候到",
      "怎样注销支付宝帐号",
    ];
    expect(queries.map((q) => nearest(q, faq))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("matches inflected English words through their character trigrams", () => {
    const faq = ["How do refunds work for cancelled orders", "Where is my parcel right now"];
    expect(nearest("refund for a cancelled order", faq)).toBe(0);
    expect(nearest("parcels location", faq)).toBe(1);
  });

  it("names its feature version, so vectors stored by an older feature set are re-embedded", () => {
    expect(embedder.id).toBe("hashed-ngram-v2-256");
  });
});
