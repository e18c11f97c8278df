export interface RetrievalMetrics {
  mode: string;
  queries: number;
  recall_at_1: number;
  recall_at_5: number;
  recall_at_10: number;
  /** MRR@10: reciprocal rank of the first relevant hit within the top 10, else 0. */
  mrr: number;
}

/**
 * Recall@k here is the share of relevant ids found in the top k, averaged over queries (with
 * one relevant id per query, as in atec-faq, it is the hit rate).
 */
export function scoreRankings(
  mode: string,
  rankings: readonly { ranked: readonly string[]; relevant: readonly string[] }[],
): RetrievalMetrics {
  let r1 = 0;
  let r5 = 0;
  let r10 = 0;
  let mrr = 0;
  for (const { ranked, relevant } of rankings) {
    const rel = new Set(relevant);
    const at = (k: number) => ranked.slice(0, k).filter((id) => rel.has(id)).length / Math.max(1, rel.size);
    r1 += at(1);
    r5 += at(5);
    r10 += at(10);
    const first = ranked.slice(0, 10).findIndex((id) => rel.has(id));
    if (first >= 0) mrr += 1 / (first + 1);
  }
  const n = Math.max(1, rankings.length);
  const round = (x: number) => Math.round((x / n) * 10000) / 10000;
  return {
    mode,
    queries: rankings.length,
    recall_at_1: round(r1),
    recall_at_5: round(r5),
    recall_at_10: round(r10),
    mrr: round(mrr),
  };
}
