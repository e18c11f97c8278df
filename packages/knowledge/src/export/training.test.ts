import { describe, expect, it } from "vitest";
import { exportTrainingData, pairsFromConversations } from "./training.ts";

describe("training data export", () => {
  const faq = Array.from({ length: 200 }, (_, i) => ({
    question: `订单${i}号怎么查询物流信息和预计送达时间`,
    answer: `在订单详情页查看第${i}号订单的物流。`,
  }));

  it("writes prompt and chat formats, splits stably and drops eval near-duplicates", () => {
    const evalTexts = [
      "订单7号怎么查询物流信息和预计送达时间？",
      "completely unrelated question about weather",
    ];
    const pairs = [...faq, faq[3] as { question: string; answer: string }];
    const a = exportTrainingData(pairs, { format: "prompt", evalTexts, validationShare: 0.2 });
    expect(a.removedAsDuplicate).toBe(1);
    expect(a.removedAsEvalNearDuplicate).toBe(1);
    expect(a.train.length + a.validation.length).toBe(199);
    expect(a.validation.length).toBeGreaterThan(20);
    expect(a.validation.length).toBeLessThan(60);
    const first = JSON.parse(a.train[0] as string);
    expect(first.prompt).toMatch(/^问题:订单\d+号怎么查询物流信息和预计送达时间\n答案:$/);
    expect([...a.train, ...a.validation].some((l) => l.includes("订单7号"))).toBe(false);
    const b = exportTrainingData(faq.slice(0, 100), { format: "prompt", validationShare: 0.2 });
    // Stable split: a pair's side does not depend on the rest of the data.
    for (const v of b.validation) expect(a.validation).toContain(v);
    const chat = exportTrainingData(faq.slice(0, 2), { format: "chat", systemPrompt: "你是客服" });
    expect(
      JSON.parse([...chat.train, ...chat.validation][0] as string).messages.map(
        (m: { role: string }) => m.role,
      ),
    ).toEqual(["system", "user", "assistant"]);
  });

  it("takes user→agent turns from resolved conversations only", () => {
    const pairs = [
      ...pairsFromConversations([
        {
          id: "c1",
          status: "resolved",
          messages: [
            { role: "user", text: "发票怎么开" },
            { role: "agent", text: "订单完成后申请" },
            { role: "user", text: "谢谢" },
          ],
        },
        {
          id: "c2",
          status: "open",
          messages: [
            { role: "user", text: "在吗" },
            { role: "bot", text: "在的" },
          ],
        },
      ]),
    ];
    expect(pairs).toEqual([{ question: "发票怎么开", answer: "订单完成后申请", source: "conversation:c1" }]);
  });
});
