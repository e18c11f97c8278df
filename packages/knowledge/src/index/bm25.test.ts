import { describe, expect, it } from "vitest";
import { analyze } from "../text/tokenize.ts";
import { Bm25Index } from "./bm25.ts";

const docs = [
  "花呗怎么还款",
  "借呗还款记录在哪里看",
  "花呗冻结了怎么解开，我的花呗一直用不了",
  "怎么提高花呗额度",
  "花呗分期付款的手续费怎么算，提前还款能退手续费吗",
];
const queries = ["花呗还款", "花呗额度", "手续费", "借呗"];

describe("BM25 index", () => {
  it("ranks the same after additions and removals between searches as an index built afresh", () => {
    const live = new Bm25Index();
    docs.slice(0, 3).forEach((d, i) => {
      live.add(i, analyze(d));
    });
    // Searching caches per-document length normalisation; later changes must not see stale values.
    for (const q of queries) live.search(analyze(q), 5);
    live.add(3, analyze(docs[3] as string));
    live.add(4, analyze(docs[4] as string));
    live.add(9, analyze("临时的一条很长很长的文档，花呗借呗余额宝都提到了，手续费也提到了"));
    for (const q of queries) live.search(analyze(q), 5);
    live.remove(9);

    const fresh = new Bm25Index();
    docs.forEach((d, i) => {
      fresh.add(i, analyze(d));
    });
    for (const q of queries) {
      const a = live.search(analyze(q), 5);
      const b = fresh.search(analyze(q), 5);
      expect(
        a.map((h) => h.key),
        q,
      ).toEqual(b.map((h) => h.key));
      a.forEach((h, i) => {
        expect(h.score).toBeCloseTo(b[i]?.score ?? Number.NaN, 12);
      });
    }
    expect(live.search(analyze("手续费"), 5)[0]?.key).toBe(4);
    expect(live.search(analyze("余额宝"), 5)).toEqual([]);
  });
});
