import type { LlamaBackend } from "@seekdesk/engine";
import { startQwen2FixtureBackend } from "@seekdesk/engine/testing/fixture-llama.ts";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KnowledgeBase, openKnowledgeBase } from "../kb.ts";
import type { RerankEvent } from "./guard.ts";
import { LlmReranker } from "./llm.ts";
import { rerankObserver } from "./metrics.ts";

/**
 * Reranking on real llama.cpp with the qwen2 fixture GGUF (the DeepSeek-R1-Distill-Qwen
 * architecture). Its weights are random, so what it writes is noise: the test proves the whole
 * path runs (prompt, chat template, generation, parsing) and that noise costs the reranking,
 * counted and logged, never the search.
 */
let backend: LlamaBackend;
let kb: KnowledgeBase;
let plain: KnowledgeBase;
const events: RerankEvent[] = [];
const registry = new Registry();
const warnings: object[] = [];

const faq = [
  { id: "refund-time", question: "退款多久到账？", answer: "退款在审核通过后 1-3 个工作日原路退回。" },
  { id: "refund-how", question: "怎么申请退款？", answer: "在订单详情页点击申请退款，填写原因即可。" },
  { id: "agent", question: "找不到退款入口怎么办？", answer: "请联系人工客服，我们帮您处理退款。" },
];

beforeAll(async () => {
  backend = await startQwen2FixtureBackend();
  const observe = rerankObserver(registry, { warn: (obj) => warnings.push(obj) });
  kb = await openKnowledgeBase({
    reranker: new LlmReranker({ chat: backend, model: "qwen2-fixture", maxTokens: 24 }),
    rerankTimeoutMs: 120_000,
    onRerank: (e) => {
      events.push(e);
      observe(e);
    },
  });
  plain = await openKnowledgeBase();
  await kb.ingestFaq(faq);
  await plain.ingestFaq(faq);
}, 300_000);
afterAll(async () => {
  await kb?.close();
  await plain?.close();
  await backend?.close();
});

describe("LLM reranking on a real llama.cpp model", () => {
  it("generates an answer, finds no ranking in the fixture's noise and keeps the fused order", async () => {
    const firstStage = (await plain.search("退款", { k: 3, mode: "hybrid" })).map((h) => h.chunkId);
    const hits = await kb.search("退款", { k: 3, mode: "hybrid" });
    expect(hits.map((h) => h.chunkId)).toEqual(firstStage);
    expect(hits.every((h) => h.reranked === false)).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: "unusable", reranker: "llm:qwen2-fixture" });
    // The model did answer: the error quotes what it wrote.
    expect(events[0]?.error).toMatch(
      /^model qwen2-fixture gave no ranking in its [1-9]\d*-character answer$/,
    );
    const metric = await registry.getSingleMetric("seekdesk_kb_rerank_total")?.get();
    expect(metric?.values.find((v) => v.labels.outcome === "unusable")?.value).toBe(1);
    expect(metric?.values.find((v) => v.labels.outcome === "reranked")?.value).toBe(0);
    expect(warnings).toHaveLength(1);
  });

  it("gives up at the time limit, aborting the generation so the model's one sequence is free again", async () => {
    const hurried: RerankEvent[] = [];
    const quick = await openKnowledgeBase({
      reranker: new LlmReranker({ chat: backend, model: "qwen2-fixture", maxTokens: 512 }),
      rerankTimeoutMs: 1,
      onRerank: (e) => hurried.push(e),
    });
    try {
      await quick.ingestFaq(faq);
      const firstStage = (await plain.search("退款", { k: 3 })).map((h) => h.chunkId);
      const hits = await quick.search("退款", { k: 3 });
      expect(hits.map((h) => h.chunkId)).toEqual(firstStage);
      expect(hurried.map((e) => e.outcome)).toEqual(["timeout"]);
      // parallel: 1: had the aborted generation kept the sequence, this one would time out.
      const again = await kb.search("退款", { k: 3 });
      expect(again.map((h) => h.chunkId)).toEqual(firstStage);
      expect(events.at(-1)?.outcome).toBe("unusable");
    } finally {
      await quick.close();
    }
  });
});
