import { describe, expect, it } from "vitest";
import { computeAnalytics, percentile } from "./compute.ts";

const now = new Date("2026-11-28T12:00:00Z");
const msg = (
  conversationId: string,
  seq: number,
  role: string,
  createdAt: string,
  metadata: Record<string, unknown> = {},
) => ({
  conversationId,
  seq,
  role,
  createdAt,
  metadata,
});

describe("analytics", () => {
  it("computes resolution, hand-off, latency, accuracy and satisfaction over the period", () => {
    const report = computeAnalytics({
      now,
      days: 7,
      conversations: [
        { id: "a", createdAt: "2026-11-27T10:00:00.000Z" },
        { id: "b", createdAt: "2026-11-28T09:00:00.000Z" },
        { id: "c", createdAt: "2026-11-28T09:30:00.000Z" },
        { id: "old", createdAt: "2026-10-01T09:00:00.000Z" },
        { id: "empty", createdAt: "2026-11-28T09:40:00.000Z" },
      ],
      tickets: [
        { conversationId: "c", createdAt: "2026-11-28T09:31:00.000Z" },
        { conversationId: "old", createdAt: "2026-10-01T09:01:00.000Z" },
      ],
      messages: [
        msg("a", 1, "user", "2026-11-27T10:00:00.000Z"),
        msg("a", 2, "bot", "2026-11-27T10:00:00.040Z", { replyTo: 1, intent: "track_order" }),
        msg("b", 1, "user", "2026-11-28T09:00:00.000Z"),
        msg("b", 2, "bot", "2026-11-28T09:00:00.010Z", { replyTo: 1, intent: "track_order" }),
        msg("c", 1, "user", "2026-11-28T09:30:00.000Z"),
        msg("c", 2, "bot", "2026-11-28T09:30:00.100Z", { replyTo: 1, intent: "refund_status" }),
        msg("old", 1, "user", "2026-10-01T09:00:00.000Z"),
        msg("old", 2, "bot", "2026-10-01T09:00:00.050Z", { replyTo: 1, intent: "complaint" }),
      ],
      intentFeedback: [
        { correct: true, at: "2026-11-28T10:00:00.000Z" },
        { correct: false, at: "2026-11-28T10:00:00.000Z" },
        { correct: true, at: "2026-11-28T10:00:00.000Z" },
        { correct: false, at: "2026-10-01T10:00:00.000Z" },
      ],
      ratings: [
        { rating: 5, at: "2026-11-28T10:00:00.000Z" },
        { rating: 2, at: "2026-11-27T10:00:00.000Z" },
      ],
    });
    expect(report.totals).toEqual({
      conversations: 3,
      messages: 6,
      handoffs: 1,
      resolutionRate: 2 / 3,
      handoffRate: 1 / 3,
      intentAccuracy: 2 / 3,
      satisfaction: 3.5,
    });
    expect(report.latencyMs).toEqual({ p50: 40, p90: 100, p99: 100 });
    expect(report.daily).toHaveLength(7);
    expect(report.daily.at(-1)).toEqual({
      date: "2026-11-28",
      conversations: 2,
      handoffs: 1,
      resolutionRate: 0.5,
      p90LatencyMs: 100,
    });
    expect(report.daily.at(-2)).toMatchObject({ date: "2026-11-27", conversations: 1, handoffs: 0 });
    expect(report.topIntents).toEqual([
      { intent: "track_order", count: 2 },
      { intent: "refund_status", count: 1 },
    ]);
  });

  it("reports nulls, not zeros, where there is nothing to measure", () => {
    const report = computeAnalytics({
      now,
      days: 1,
      conversations: [],
      tickets: [],
      messages: [],
      intentFeedback: [],
      ratings: [],
    });
    expect(report.totals.intentAccuracy).toBeNull();
    expect(report.totals.satisfaction).toBeNull();
    expect(report.latencyMs.p99).toBeNull();
  });

  it("uses nearest-rank percentiles", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([7], 99)).toBe(7);
  });
});
