import { describe, expect, it } from "vitest";
import { convexFusion, reciprocalRankFusion } from "./rank.ts";

const keys = (hits: { key: number }[]) => hits.map((h) => h.key);

describe("hybrid fusion", () => {
  const bm25 = [
    { key: 1, score: 12 },
    { key: 2, score: 11.5 },
    { key: 3, score: 4 },
  ];
  const vectors = [
    { key: 4, score: 0.9 },
    { key: 2, score: 0.8 },
    { key: 1, score: 0.3 },
  ];

  it("lets a hit found by both lists overtake a slightly better lexical-only one", () => {
    expect(keys(convexFusion(bm25, vectors))).toEqual([2, 1, 4, 3]);
  });

  it("does not depend on the scale of BM25 scores, which vary with the corpus and the query", () => {
    const scaled = bm25.map((h) => ({ key: h.key, score: h.score * 37 }));
    expect(keys(convexFusion(scaled, vectors))).toEqual(keys(convexFusion(bm25, vectors)));
  });

  it("keeps BM25's order at weight 0 and the vectors' at weight 1", () => {
    expect(keys(convexFusion(bm25, vectors, 0)).slice(0, 3)).toEqual([1, 2, 3]);
    expect(keys(convexFusion(bm25, vectors, 1)).slice(0, 3)).toEqual([4, 2, 1]);
  });

  it("falls back to the vector order when no query term is in the index", () => {
    expect(keys(convexFusion([], vectors))).toEqual([4, 2, 1]);
    expect(keys(convexFusion(bm25, []))).toEqual([1, 2, 3]);
  });

  it("does not let a weak vector list push a strong lexical match down, as RRF does", () => {
    // BM25 is sure of key 1; the vectors barely tell their hits apart and happen to put it last.
    const sure = [
      { key: 1, score: 20 },
      { key: 2, score: 6 },
      { key: 3, score: 5 },
    ];
    const flat = [2, 3, 5, 6, 7, 8, 1].map((key, i) => ({ key, score: 0.5 - i * 0.01 }));
    expect(convexFusion(sure, flat)[0]?.key).toBe(1);
    expect(reciprocalRankFusion([{ hits: sure }, { hits: flat }])[0]?.key).not.toBe(1);
  });
});
