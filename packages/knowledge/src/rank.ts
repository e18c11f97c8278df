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

/** The vector list's share in hybrid search; chosen on half of the atec-faq queries (docs/EVAL.md). */
export const HYBRID_VECTOR_WEIGHT = 0.3;

/**
 * Convex combination of normalised scores, (1 − w)·lexical + w·semantic (Bruch, Gai & Ingber,
 * "An Analysis of Fusion Functions for Hybrid Retrieval", TOIS 2023, who find it beats RRF in and
 * out of domain and needs few labelled queries to set w). RRF ignores how far apart scores are, so
 * a weak list moves ranks as much as a strong one: weight-free vectors beside BM25 are such a list.
 * BM25 is divided by the best BM25 score (its theoretical minimum is 0); cosines are already on a
 * fixed scale. A hit missing from one list takes that list's lowest retrieved score, an upper
 * bound on what it would have had.
 */
export function convexFusion(
  lexical: readonly Scored[],
  semantic: readonly Scored[],
  semanticWeight = HYBRID_VECTOR_WEIGHT,
): Scored[] {
  const top = lexical[0]?.score || 1;
  const lexFloor = (lexical.at(-1)?.score ?? 0) / top;
  const semFloor = semantic.at(-1)?.score ?? 0;
  const both = new Map<number, [number, number]>();
  for (const h of lexical) both.set(h.key, [h.score / top, semFloor]);
  for (const h of semantic) {
    const e = both.get(h.key);
    if (e) e[1] = h.score;
    else both.set(h.key, [lexFloor, h.score]);
  }
  return [...both]
    .map(([key, [lex, sem]]) => ({ key, score: (1 - semanticWeight) * lex + semanticWeight * sem }))
    .sort((a, b) => b.score - a.score || a.key - b.key);
}
