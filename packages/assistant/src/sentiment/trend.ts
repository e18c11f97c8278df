export interface SentimentTrend {
  /** Least-squares change in score per turn. */
  slope: number;
  mean: number;
  label: "improving" | "stable" | "worsening";
}

/** Below this change per turn the mood counts as stable: ±0.2 over four turns is noise. */
const STABLE_SLOPE = 0.05;

/** The trend of per-turn sentiment scores, oldest first, by a least-squares line. */
export function sentimentTrend(scores: number[]): SentimentTrend {
  const n = scores.length;
  if (n === 0) return { slope: 0, mean: 0, label: "stable" };
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { slope: 0, mean, label: "stable" };
  const xMean = (n - 1) / 2;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - xMean) * (scores[i] - mean);
    den += (i - xMean) * (i - xMean);
  }
  const slope = num / den;
  const label = slope > STABLE_SLOPE ? "improving" : slope < -STABLE_SLOPE ? "worsening" : "stable";
  return { slope, mean, label };
}
