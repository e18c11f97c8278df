import { GatewayMetrics } from "@seekdesk/gateway";
import { describe, expect, it } from "vitest";
import { histogramQuantile, type MetricJson, summariseModelMetrics } from "./model-stats.ts";

describe("histogram quantiles", () => {
  it("interpolates inside the bucket the rank falls in", () => {
    const buckets = [
      { le: 0.1, count: 0 },
      { le: 0.2, count: 50 },
      { le: 0.4, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.2);
    expect(histogramQuantile(0.75, buckets)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.15);
  });
  it("is null without observations and capped at the last finite bound", () => {
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }])).toBeNull();
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
    ).toBe(1);
  });
});

describe("per-model stats from the gateway's registry", () => {
  it("sums requests, server errors and tokens per model and estimates latency percentiles", async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    m.requests.inc({ route: "/v1/chat/completions", model: "ds", status: "200" }, 8);
    m.requests.inc({ route: "/v1/chat/completions", model: "ds", status: "503" }, 2);
    m.requests.inc({ route: "/v1/embeddings", model: "emb", status: "200" }, 1);
    for (let i = 0; i < 10; i++) m.timeToFirstToken.observe({ model: "ds" }, i < 9 ? 0.07 : 0.8);
    m.generatedTokens.inc({ model: "ds" }, 120);
    const stats = summariseModelMetrics((await m.registry.getMetricsAsJSON()) as unknown as MetricJson[]);
    const ds = stats.get("ds");
    expect(ds).toMatchObject({ requests: 10, errors: 2, generatedTokens: 120, promptTokens: 0 });
    expect(ds?.ttftP50).toBeGreaterThan(0.05);
    expect(ds?.ttftP50).toBeLessThanOrEqual(0.1);
    expect(ds?.ttftP95).toBeGreaterThan(0.5);
    expect(stats.get("emb")).toMatchObject({ requests: 1, errors: 0, ttftP50: null });
  });
});
