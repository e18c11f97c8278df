import { describe, expect, it } from "vitest";
import { stratifiedSplit } from "../intents/split.ts";
import {
  analyzeSentiment,
  blendSentiment,
  sentimentTrainingData,
  sentimentTrend,
  trainSentimentModel,
} from "./index.ts";

describe("analyzeSentiment", () => {
  it("scores angry customers strongly negative in Chinese and English", () => {
    for (const text of [
      "你们这是什么破服务，我要投诉！",
      "This is the third time, absolutely unacceptable",
    ]) {
      const s = analyzeSentiment(text);
      expect(s.label, text).toBe("negative");
      expect(s.score, text).toBeLessThan(-0.6);
      expect(s.strength).toBeCloseTo(-s.score);
    }
  });

  it("handles negation, intensifiers, contrast, caps and emoji", () => {
    expect(analyzeSentiment("不太满意").label).toBe("negative");
    expect(analyzeSentiment("I am not happy with this").label).toBe("negative");
    expect(analyzeSentiment("非常满意").score).toBeGreaterThan(analyzeSentiment("满意").score);
    expect(analyzeSentiment("The staff was nice but the delivery was terrible").label).toBe("negative");
    expect(analyzeSentiment("this is BAD").score).toBeLessThan(analyzeSentiment("this is bad").score);
    expect(analyzeSentiment("收到了 👍").label).toBe("positive");
    expect(analyzeSentiment("😡😡").label).toBe("negative");
  });

  it("leaves plain requests neutral", () => {
    for (const text of [
      "我想查一下订单",
      "Where is my parcel?",
      "请问几点发货",
      "How do I change my address",
      // 退钱 is how customers ask for a refund; alone it is a request, not a complaint
      "退钱要几天",
    ]) {
      expect(analyzeSentiment(text).label, text).toBe("neutral");
    }
  });

  it("still reads a refund demand with abuse or a threat as negative", () => {
    for (const text of ["垃圾，退钱！", "退钱，不然投诉你们", "什么破东西，退钱"]) {
      expect(analyzeSentiment(text).label, text).toBe("negative");
    }
  });

  it("praises come out positive", () => {
    for (const text of ["谢谢，问题解决了，非常满意", "Thanks a lot, that was really helpful!"]) {
      expect(analyzeSentiment(text).label, text).toBe("positive");
    }
  });
});

describe("labelled customer-service utterances", () => {
  it("ships a few hundred zh and en utterances with all three labels", () => {
    const data = sentimentTrainingData();
    expect(data.length).toBeGreaterThanOrEqual(200);
    expect(new Set(data.map((d) => d.label))).toEqual(new Set(["negative", "neutral", "positive"]));
    expect(data.some((d) => /[\u4e00-\u9fff]/.test(d.text))).toBe(true);
    expect(data.some((d) => /^[A-Za-z]/.test(d.text))).toBe(true);
  });

  it("labels a held-out 30 % correctly at least 80 % of the time with a model trained on the rest", () => {
    const { train, heldOut } = stratifiedSplit(sentimentTrainingData(), (d) => d.label, 0.3, 1);
    const model = trainSentimentModel(train);
    const right = heldOut.filter((d) => blendSentiment(d.text, model).label === d.label).length;
    expect(right / heldOut.length).toBeGreaterThanOrEqual(0.8);
  });
});

describe("sentimentTrend", () => {
  it("labels falling, rising and flat series", () => {
    expect(sentimentTrend([0.2, 0, -0.4, -0.8]).label).toBe("worsening");
    expect(sentimentTrend([-0.8, -0.3, 0.1, 0.5]).label).toBe("improving");
    expect(sentimentTrend([0.1, 0.12, 0.08, 0.1]).label).toBe("stable");
    expect(sentimentTrend([]).label).toBe("stable");
    const t = sentimentTrend([0, -0.5, -1]);
    expect(t.slope).toBeCloseTo(-0.5);
    expect(t.mean).toBeCloseTo(-0.5);
  });
});
