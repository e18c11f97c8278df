/** Per-model figures for the admin's models page, read from the gateway's Prometheus registry. */
export interface ModelStats {
  requests: number;
  errors: number;
  promptTokens: number;
  generatedTokens: number;
  /** Seconds; null until the model has answered. */
  ttftP50: number | null;
  ttftP95: number | null;
  tpotP50: number | null;
}

/** The shape prom-client's `registry.getMetricsAsJSON()` returns, as far as we read it. */
export interface MetricJson {
  name: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

const EMPTY: ModelStats = {
  requests: 0,
  errors: 0,
  promptTokens: 0,
  generatedTokens: 0,
  ttftP50: null,
  ttftP95: null,
  tpotP50: null,
};

/**
 * A quantile from cumulative histogram buckets, interpolated linearly inside the bucket it falls
 * in, as Prometheus' histogram_quantile does. null without observations.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly { le: number; count: number }[],
): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      // The +Inf bucket has no upper bound: report the highest finite bound.
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function bucketsByModel(metric: MetricJson | undefined): Map<string, { le: number; count: number }[]> {
  const out = new Map<string, { le: number; count: number }[]>();
  for (const v of metric?.values ?? []) {
    if (!v.metricName?.endsWith("_bucket")) continue;
    const model = String(v.labels.model ?? "");
    const le = v.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    const list = out.get(model) ?? [];
    list.push({ le, count: v.value });
    out.set(model, list);
  }
  return out;
}

function sumByModel(
  metric: MetricJson | undefined,
  where: (l: Record<string, string | number>) => boolean = () => true,
) {
  const out = new Map<string, number>();
  for (const v of metric?.values ?? []) {
    if (!where(v.labels)) continue;
    const model = String(v.labels.model ?? "");
    out.set(model, (out.get(model) ?? 0) + v.value);
  }
  return out;
}

/** Requests, errors, tokens and latency percentiles per model since the server started. */
export function summariseModelMetrics(metrics: readonly MetricJson[]): Map<string, ModelStats> {
  const byName = new Map(metrics.map((m) => [m.name, m]));
  const requests = sumByModel(byName.get("seekdesk_requests_total"));
  const failed = sumByModel(byName.get("seekdesk_requests_total"), (l) => Number(l.status) >= 500);
  const backendErrors = sumByModel(byName.get("seekdesk_backend_errors_total"));
  const prompt = sumByModel(byName.get("seekdesk_prompt_tokens_total"));
  const generated = sumByModel(byName.get("seekdesk_generated_tokens_total"));
  const ttft = bucketsByModel(byName.get("seekdesk_time_to_first_token_seconds"));
  const tpot = bucketsByModel(byName.get("seekdesk_time_per_output_token_seconds"));
  const models = new Set([...requests.keys(), ...prompt.keys(), ...generated.keys(), ...ttft.keys()]);
  const out = new Map<string, ModelStats>();
  for (const model of models) {
    if (!model) continue;
    out.set(model, {
      ...EMPTY,
      requests: requests.get(model) ?? 0,
      errors: Math.max(failed.get(model) ?? 0, backendErrors.get(model) ?? 0),
      promptTokens: prompt.get(model) ?? 0,
      generatedTokens: generated.get(model) ?? 0,
      ttftP50: histogramQuantile(0.5, ttft.get(model) ?? []),
      ttftP95: histogramQuantile(0.95, ttft.get(model) ?? []),
      tpotP50: histogramQuantile(0.5, tpot.get(model) ?? []),
    });
  }
  return out;
}

export function emptyModelStats(): ModelStats {
  return { ...EMPTY };
}
