import { describe, expect, it } from "vitest";
import { strings } from "../i18n.ts";
import type { TranscriptMessage } from "./agent-types.ts";
import { botViewByTurn, describeTurn, sentimentTrend } from "./bot-view.ts";

const at = "2026-11-28T00:00:00Z";
const transcript: TranscriptMessage[] = [
  { seq: 1, role: "user", text: "where is my parcel", at, meta: null },
  {
    seq: 2,
    role: "bot",
    text: "It ships today",
    at,
    meta: {
      replyTo: 1,
      intent: "delivery_time",
      confidence: 0.91,
      sentiment: { score: 0.1, label: "neutral" },
    },
  },
  { seq: 3, role: "user", text: "this is useless", at },
  { seq: 4, role: "bot", text: "Sorry", at, meta: { replyTo: 3, intent: null, oos: true, sentiment: -0.7 } },
  { seq: 5, role: "agent", text: "Hi", at },
];

describe("the bot's view of each customer turn", () => {
  it("pairs a customer turn with the bot reply that answered it", () => {
    const v = botViewByTurn(transcript);
    expect(v.get(1)).toEqual({
      intent: "delivery_time",
      confidence: 0.91,
      outOfScope: false,
      sentiment: 0.1,
    });
    expect(v.get(3)).toEqual({ intent: null, confidence: null, outOfScope: true, sentiment: -0.7 });
    expect(v.has(5)).toBe(false);
  });
  it("describes a turn for the transcript", () => {
    const v = botViewByTurn(transcript);
    expect(describeTurn(v.get(1) as never, strings.en)).toBe("delivery_time · 91% · sentiment 0.10");
    expect(describeTurn(v.get(3) as never, strings.en)).toBe("out of scope · sentiment -0.70");
  });
  it("describes a turn in Chinese for a Chinese console", () => {
    const v = botViewByTurn(transcript);
    expect(describeTurn(v.get(1) as never, strings.zh)).toBe("delivery_time · 91% · 情绪 0.10");
    expect(describeTurn(v.get(3) as never, strings.zh)).toBe("超出范围 · 情绪 -0.70");
  });
  it("gives the sentiment trend over customer turns, oldest first", () => {
    expect(sentimentTrend(transcript)).toEqual([0.1, -0.7]);
  });
});
