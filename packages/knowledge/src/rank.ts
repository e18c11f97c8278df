import type { Scored } from "./index/topk.ts";

/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score = Σ w / (k + rank).
 * Rank-based, so BM25 scores and cosines need no calibration against each other; k = 60 is the
 * paper's constant.
 */
export function reciprocalRankFusion(
  lists: readonly { hits: readonly Scored[]; weight?: number }[],
  k = 60,
): Scored[] {
  const fused = new Map<number, number>();
  for (const { hits, weight = 1 } of lists) {
    hits.forEach((h, rank) => {
      fused.set(h.key, (fused.get(h.key) ?? 0) + weight / (k + rank + 1));
    });
  }
  return [...fused]
    .map(([key, score]) => ({ key, score }))
    .sort((a, b) => b.score - a.score || a.key - b.key);
}
