import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { EngineAdapter } from "@seekdesk/gateway";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RankingChatServer, startRankingChatServer } from "../testing/ranking-chat-server.ts";
import { knowledgePlugin } from "./plugin.ts";

/**
 * The search API's `rerank` parameter on a real gateway whose knowledge plugin opens its own
 * knowledge base with `knowledge.rerank`, the model served by the gateway's engine from a
 * loopback OpenAI-compatible server that reverses whatever order it is shown.
 */
let server: RankingChatServer;
let gw: TempGateway;
let plain: TempGateway;
beforeAll(async () => {
  server = await startRankingChatServer((prompt) => {
    const n = [...prompt.matchAll(/^\[(\d+)\] /gm)].length;
    return { content: Array.from({ length: n }, (_, i) => n - i).join(", ") };
  });
  const engine = new EngineAdapter(
    new Engine({
      backends: [new OpenAICompatibleBackend({ name: "judge", baseUrl: server.url, models: ["judge"] })],
      healthCheck: false,
      // One attempt: the scripted 500 is then an error at once, not retries racing the timeout.
      retry: { maxAttempts: 1 },
    }),
  );
  gw = await startTempGateway({
    engine,
    config: { knowledge: { rerank: { kind: "llm", model: "judge", timeoutMs: 2000 } } },
    plugins: [knowledgePlugin()],
  });
  plain = await startTempGateway({ plugins: [knowledgePlugin()] });
  for (const g of [gw, plain]) {
    const res = await fetch(`${g.url}/api/kb/documents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        faq: [
          { id: "time", question: "退款多久到账？", answer: "退款在审核通过后 1-3 个工作日原路退回。" },
          { id: "how", question: "怎么申请退款？", answer: "在订单详情页点击申请退款，填写原因即可。" },
          { id: "agent", question: "找不到退款入口怎么办？", answer: "请联系人工客服，我们帮您处理退款。" },
        ],
      }),
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await gw?.stop();
  await plain?.stop();
  await server?.close();
});

type Hit = { chunkId: string; reranked?: boolean };
const search = async (g: TempGateway, body: Record<string, unknown>) => {
  const res = await fetch(`${g.url}/api/kb/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "退款", k: 3, mode: "bm25", ...body }),
  });
  return { status: res.status, body: (await res.json()) as { data: Hit[]; error?: Record<string, unknown> } };
};

describe("knowledge search API with knowledge.rerank", () => {
  it("reranks by default, not with rerank: false, and marks reranked hits", async () => {
    const first = await search(gw, { rerank: false });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(3);
    expect(first.body.data[0]).not.toHaveProperty("reranked");
    server.requests.length = 0;
    const byDefault = await search(gw, {});
    expect(byDefault.body.data.map((h) => h.chunkId)).toEqual(
      first.body.data.map((h) => h.chunkId).reverse(),
    );
    expect(byDefault.body.data.every((h) => h.reranked === true)).toBe(true);
    expect(server.requests).toHaveLength(1);
    const get = await fetch(
      `${gw.url}/api/kb/search?q=${encodeURIComponent("退款")}&k=3&mode=bm25&rerank=true`,
    );
    expect(((await get.json()) as { data: Hit[] }).data).toEqual(byDefault.body.data);

    // The model failing leaves the search answering, in fused order, flagged and counted.
    server.judge = () => ({ status: 500 });
    const failed = await search(gw, { rerank: true });
    expect(failed.status).toBe(200);
    expect(failed.body.data.map((h) => h.chunkId)).toEqual(first.body.data.map((h) => h.chunkId));
    expect(failed.body.data.every((h) => h.reranked === false)).toBe(true);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^seekdesk_kb_rerank_total\{outcome="reranked"\} 2$/m);
    expect(metrics).toMatch(/^seekdesk_kb_rerank_total\{outcome="error"\} 1$/m);
  });

  it("answers a bad rerank value, or rerank: true without a reranker, with an OpenAI-style 400", async () => {
    const bad = await search(gw, { rerank: "yes" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", param: "rerank" });
    const get = await fetch(`${gw.url}/api/kb/search?q=x&rerank=1`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as { error: unknown }).error).toMatchObject({
      type: "invalid_request_error",
      param: "rerank",
      message: "rerank must be true or false, not 1",
    });
    const none = await search(plain, { rerank: true });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({
      type: "invalid_request_error",
      param: "rerank",
      message: "rerank: no reranker is configured (set knowledge.rerank in the config)",
    });
    expect((await search(plain, { rerank: false })).status).toBe(200);
  });
});

describe("knowledge plugin start-up with knowledge.rerank", () => {
  it("refuses to start when the rerank model is not served, naming the field", async () => {
    const err = await startTempGateway({
      config: { knowledge: { rerank: { kind: "llm", model: "deepseek-r1" } } },
      plugins: [knowledgePlugin()],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "config: knowledge.rerank.model: reranking needs a generative model, and none is configured: add a llama GGUF or an openai backend under models (or start with --model / --backend-url)",
    );
  });
});
