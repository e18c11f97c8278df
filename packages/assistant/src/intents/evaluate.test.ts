import { describe, expect, it } from "vitest";
import { trainIntentClassifier } from "./classifier.ts";
import { evaluateIntents } from "./evaluate.ts";
import { shopExamples } from "./testing-data.ts";

describe("evaluateIntents", () => {
  it("computes accuracy, OOS recall and precision, macro-F1 and confusions from predictions", () => {
    const clf = trainIntentClassifier(shopExamples(true), { seed: 3, targetOosRecall: 0.8 });
    const test = [
      { text: "I want my money back", intent: "refund" },
      { text: "reset password", intent: "change_password" },
      { text: "reset password", intent: "refund" },
      { text: "什么是量子力学", intent: "oos" },
      { text: "查一下我的物流", intent: "oos" },
    ];
    // The premise: what the classifier predicts for each utterance.
    expect(test.map((e) => clf.classify(e.text).intent)).toEqual([
      "refund",
      "change_password",
      "change_password",
      null,
      "track_order",
    ]);
    const r = evaluateIntents(clf, test);
    expect(r.in_scope).toBe(3);
    expect(r.oos).toBe(2);
    expect(r.accuracy).toBeCloseTo(2 / 3);
    expect(r.top1_accuracy).toBeCloseTo(2 / 3);
    expect(r.oos_recall).toBeCloseTo(1 / 2);
    expect(r.oos_precision).toBeCloseTo(1);
    // refund, change_password and oos each have F1 = 2/3.
    expect(r.macro_f1).toBeCloseTo(2 / 3);
    expect(r.confused).toEqual(
      expect.arrayContaining([
        { gold: "refund", predicted: "change_password", count: 1 },
        { gold: "oos", predicted: "track_order", count: 1 },
      ]),
    );
    expect(r.confused).toHaveLength(2);
    expect(r.p99_us).toBeGreaterThanOrEqual(r.p50_us);
  });

  it("reports OOS measures as null when the data has none", () => {
    const clf = trainIntentClassifier(shopExamples(false), { seed: 3 });
    const r = evaluateIntents(clf, [{ text: "where is my order", intent: "track_order" }]);
    expect(r.oos_recall).toBeNull();
    expect(r.accuracy).toBe(1);
  });
});
