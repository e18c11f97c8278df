import http from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamError } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKnowledgeBase } from "../kb.ts";
import { LlmReranker, parseRanking } from "./llm.ts";

interface ChatRequest {
  model: string;
  temperature: number;
  messages: { role: string; content: string }[];
}

/**
 * An OpenAI-compatible chat server on loopback standing in for the model: `reply` sees the
 * prompt and writes the answer, so a test scripts what the "model" prefers.
 */
let reply: (prompt: string) => { status: number; content: string } = () => ({ status: 200, content: "" });
const requests: ChatRequest[] = [];
let server: http.Server;
let baseUrl = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const r = JSON.parse(body) as ChatRequest;
      requests.push(r);
      const { status, content } = reply(r.messages.at(-1)?.content ?? "");
      res.writeHead(status, { "content-type": "application/json" });
      res.end(
        status === 200
          ? JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content } }] })
          : JSON.stringify({ error: { message: "overloaded", type: "server_error" } }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** The passage numbers whose text contains `word`, as a thinking model would answer. */
const prefer = (word: string) => (prompt: string) => {
  const picked = [...prompt.matchAll(/^\[(\d+)\] (.*)$/gm)]
    .filter((m) => m[2]?.includes(word))
    .map((m) => m[1]);
  return { status: 200, content: `<think>passage 1 looks close but is not it</think>\n${picked.join(", ")}` };
};

const faq = [
  { id: "refund-time", question: "退款多久到账？", answer: "退款在审核通过后 1-3 个工作日原路退回。" },
  { id: "refund-how", question: "怎么申请退款？", answer: "在订单详情页点击申请退款，填写原因即可。" },
  { id: "agent", question: "找不到退款入口怎么办？", answer: "请联系人工客服，我们帮您处理退款。" },
];

describe("LLM reranker", () => {
  it("puts the passage the model picks first and keeps the rest in first-stage order", async () => {
    const kb = await openKnowledgeBase({
      reranker: new LlmReranker({ baseUrl, model: "deepseek-r1-distill", window: 10 }),
    });
    const plain = await openKnowledgeBase();
    try {
      await kb.ingestFaq(faq);
      reply = prefer("人工客服");
      requests.length = 0;
      const hits = await kb.search("退款", { k: 3, mode: "bm25" });
      expect(hits[0]?.citation.source).toBe("faq:agent");
      expect(hits.map((h) => h.citation.source).sort()).toEqual([
        "faq:agent",
        "faq:refund-how",
        "faq:refund-time",
      ]);
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ model: "deepseek-r1-distill", temperature: 0 });
      expect(requests[0]?.messages.at(-1)?.content).toContain("Question: 退款");

      // An answer without usable numbers leaves the first-stage order alone.
      await plain.ingestFaq(faq);
      const firstStage = (await plain.search("退款", { k: 3, mode: "bm25" })).map((h) => h.chunkId);
      expect(hits.map((h) => h.chunkId)).not.toEqual(firstStage);
      reply = () => ({ status: 200, content: "I cannot decide." });
      expect((await kb.search("退款", { k: 3, mode: "bm25" })).map((h) => h.chunkId)).toEqual(firstStage);
    } finally {
      await kb.close();
      await plain.close();
    }
  });

  it("reports a failing model server as an upstream error instead of silently skipping", async () => {
    reply = () => ({ status: 503, content: "" });
    const reranker = new LlmReranker({ baseUrl, model: "m" });
    const hits = faq.map((f, i) => ({
      chunkId: f.id,
      text: f.answer,
      score: 3 - i,
      citation: { docId: f.id, title: f.question, source: `faq:${f.id}`, start: 0, end: 1 },
    }));
    const err = await reranker.rerank("退款", hits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toContain("503");
    // A single hit needs no model call at all.
    requests.length = 0;
    expect(await reranker.rerank("退款", hits.slice(0, 1))).toEqual(hits.slice(0, 1));
    expect(requests).toHaveLength(0);
  });

  it("reads the model's ranking past reasoning, repeats and numbers out of range", () => {
    expect(parseRanking("<think>maybe [1]? no, 2</think> 3, 1, 3, 9, 0", 4)).toEqual([2, 0]);
    expect(parseRanking("Passages [2] and [4] help; [2] most.", 4)).toEqual([1, 3]);
    expect(parseRanking("<think>still thinking when max_tokens ran out: 1, 2", 4)).toEqual([]);
  });
});
