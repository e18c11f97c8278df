import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@seekdesk/core";
import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { EngineAdapter } from "@seekdesk/gateway";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConfiguredKnowledgeBase } from "../config.ts";
import { type KnowledgeBase, openKnowledgeBase } from "../kb.ts";
import {
  passagesWith,
  type RankingChatServer,
  startRankingChatServer,
} from "../testing/ranking-chat-server.ts";
import type { RerankEvent } from "./guard.ts";
import { parseRanking } from "./llm.ts";
import { rerankObserver } from "./metrics.ts";

/**
 * Reranking through the engine's router and its openai backend, against a real loopback chat
 * server whose "model" prefers the passages a test names. Everything between the knowledge base
 * and the socket is the production path: config, LlmReranker, Engine, OpenAICompatibleBackend.
 */
let server: RankingChatServer;
const dir = mkdtempSync(join(tmpdir(), "seekdesk-rerank-"));
beforeAll(async () => {
  server = await startRankingChatServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const faq = [
  { id: "refund-time", question: "退款多久到账？", answer: "退款在审核通过后 1-3 个工作日原路退回。" },
  { id: "refund-how", question: "怎么申请退款？", answer: "在订单详情页点击申请退款，填写原因即可。" },
  { id: "agent", question: "找不到退款入口怎么办？", answer: "请联系人工客服，我们帮您处理退款。" },
];

function engine() {
  return new EngineAdapter(
    new Engine({
      backends: [
        new OpenAICompatibleBackend({ name: "judge", baseUrl: server.url, models: ["deepseek-r1"] }),
      ],
      aliases: { r1: "deepseek-r1" },
      healthCheck: false,
      // One attempt: a scripted 503 is then an error at once, not a retry racing the timeout.
      retry: { maxAttempts: 1 },
    }),
  );
}

async function openRerankingKb(
  rerank: Record<string, unknown>,
  events: RerankEvent[],
  name: string,
): Promise<KnowledgeBase> {
  const config = parseConfig({
    knowledge: { rerank: { kind: "llm", ...rerank }, store: { path: `${name}.sqlite` } },
  });
  const kb = await openConfiguredKnowledgeBase(config, dir, {
    engine: engine(),
    onRerank: (e) => events.push(e),
  });
  await kb.ingestFaq(faq);
  return kb;
}

const sources = (hits: { citation: { source: string } }[]) => hits.map((h) => h.citation.source);

describe("LLM reranking through the router's openai backend", () => {
  it("orders the hits as the model ranks them, past its reasoning, and only when asked", async () => {
    const events: RerankEvent[] = [];
    const kb = await openRerankingKb({ model: "r1", candidates: 10 }, events, "order");
    const plain = await openKnowledgeBase();
    try {
      await plain.ingestFaq(faq);
      const firstStage = sources(await plain.search("退款", { k: 3, mode: "bm25" }));
      // The model wants the agent passage first, then refund-how; it names 1 in its reasoning
      // and writes its own <think> inline too, as a server without a reasoning parser would.
      server.judge = (prompt) => ({
        reasoning: "Passage 1 looks close, but 1 is not it.",
        content: `<think>maybe [1]? no</think>\nRanking: ${[...passagesWith(prompt, "人工客服"), ...passagesWith(prompt, "订单详情页")].join(", ")}`,
      });
      server.requests.length = 0;
      const hits = await kb.search("退款", { k: 3, mode: "bm25" });
      expect(sources(hits)).toEqual(["faq:agent", "faq:refund-how", "faq:refund-time"]);
      expect(sources(hits)).not.toEqual(firstStage);
      expect(hits.every((h) => h.reranked === true)).toBe(true);
      expect(events.map((e) => [e.outcome, e.reranker])).toEqual([["reranked", "llm:r1"]]);
      // The alias resolved by the router, the upstream's own model name sent, greedy decoding.
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]).toMatchObject({ model: "deepseek-r1", temperature: 0 });
      expect(server.requests[0]?.messages.at(-1)?.content).toContain("Question: 退款");

      // rerank: false is the first stage, without a model call and without the flag.
      const off = await kb.search("退款", { k: 3, mode: "bm25", rerank: false });
      expect(sources(off)).toEqual(firstStage);
      expect(off[0]).not.toHaveProperty("reranked");
      expect(server.requests).toHaveLength(1);
      // rerank: true on a knowledge base without a reranker is the caller's mistake.
      await expect(plain.search("退款", { rerank: true })).rejects.toMatchObject({
        param: "rerank",
        message: expect.stringContaining("knowledge.rerank"),
      });
    } finally {
      await kb.close();
      await plain.close();
    }
  });

  it("keeps the fused order, counted and logged, when the model answers no ranking, fails or is too slow", async () => {
    const events: RerankEvent[] = [];
    const registry = new Registry();
    const warnings: object[] = [];
    const observe = rerankObserver(registry, { warn: (obj) => warnings.push(obj) });
    const kb = await openRerankingKb({ model: "deepseek-r1", timeoutMs: 300 }, events, "fallback");
    const plain = await openKnowledgeBase();
    try {
      await plain.ingestFaq(faq);
      const firstStage = sources(await plain.search("退款", { k: 3, mode: "bm25" }));
      const search = async () => {
        const hits = await kb.search("退款", { k: 3, mode: "bm25" });
        observe(events.at(-1) as RerankEvent);
        return hits;
      };

      server.judge = () => ({ content: "I cannot decide which of these 3 passages helps." });
      let hits = await search();
      expect(sources(hits)).toEqual(firstStage);
      expect(hits.every((h) => h.reranked === false)).toBe(true);
      expect(events.at(-1)?.outcome).toBe("unusable");

      server.judge = () => ({ status: 503 });
      hits = await search();
      expect(sources(hits)).toEqual(firstStage);
      expect(events.at(-1)).toMatchObject({ outcome: "error", error: expect.stringContaining("503") });

      // Stuck past timeoutMs: the search answers with the fused order and the upstream call is
      // aborted, freeing the model for the next customer.
      server.judge = () => ({ delayMs: 3000, content: "1" });
      const aborts = server.clientAborts;
      hits = await search();
      expect(sources(hits)).toEqual(firstStage);
      expect(events.at(-1)?.outcome).toBe("timeout");
      await expect.poll(() => server.clientAborts).toBeGreaterThan(aborts);

      const counts = Object.fromEntries(
        ((await registry.getSingleMetric("seekdesk_kb_rerank_total")?.get())?.values ?? []).map((v) => [
          v.labels.outcome,
          v.value,
        ]),
      );
      expect(counts).toEqual({ reranked: 0, unusable: 1, error: 1, timeout: 1 });
      expect(warnings.map((w) => (w as { outcome: string }).outcome)).toEqual([
        "unusable",
        "error",
        "timeout",
      ]);
      // No customer text in the log line.
      expect(JSON.stringify(warnings)).not.toContain("退款");
    } finally {
      await kb.close();
      await plain.close();
    }
  });

  it("does not call the model when the first stage found one hit, and does not call that hit reranked", async () => {
    const events: RerankEvent[] = [];
    const kb = await openRerankingKb({ model: "r1" }, events, "single");
    try {
      server.requests.length = 0;
      const hits = await kb.search("人工客服", { k: 1, mode: "bm25" });
      expect(sources(hits)).toEqual(["faq:agent"]);
      expect(server.requests).toHaveLength(0);
      expect(hits[0]?.reranked).toBe(false);
      // No attempt, so no outcome: seekdesk_kb_rerank_total{outcome="reranked"} counts model calls.
      expect(events).toEqual([]);
    } finally {
      await kb.close();
    }
  });

  it("does not call the model when it would see only one candidate", async () => {
    const events: RerankEvent[] = [];
    const kb = await openRerankingKb({ model: "r1", candidates: 1 }, events, "one-candidate");
    try {
      server.requests.length = 0;
      const hits = await kb.search("退款", { k: 3, mode: "bm25" });
      expect(hits).toHaveLength(3);
      expect(server.requests).toHaveLength(0);
      expect(hits.every((h) => h.reranked === false)).toBe(true);
      expect(events).toEqual([]);
    } finally {
      await kb.close();
    }
  });
});

describe("parseRanking", () => {
  it("reads the last ranking line past reasoning, repeats and numbers out of range", () => {
    expect(parseRanking("<think>maybe [1]? no, 2</think> 3, 1, 3, 9, 0", 4)).toEqual([2, 0]);
    expect(parseRanking("[2] > [4] > [1]", 4)).toEqual([1, 3, 0]);
    expect(parseRanking("Let me rank them.\n\n**Ranking:** 2, 4", 4)).toEqual([1, 3]);
    expect(parseRanking("排序：2，1，3", 4)).toEqual([1, 0, 2]);
    // R1 distills whose template opens <think> in the prompt write only its end.
    expect(parseRanking("passage 1 is off-topic, so\n</think>\n\n3, 2", 4)).toEqual([2, 1]);
  });

  it("reads nothing from an answer that is not a ranking", () => {
    expect(parseRanking("<think>still thinking when max_tokens ran out: 1, 2", 4)).toEqual([]);
    expect(parseRanking("Passage 2 mentions refunds, passage 4 does too.", 4)).toEqual([]);
    expect(parseRanking("ocks扩 Dent 3 pérdida", 4)).toEqual([]);
    expect(parseRanking("9, 12", 4)).toEqual([]);
  });
});
