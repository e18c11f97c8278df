import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatEvent, ChatRequest } from "@seekdesk/core";
import { InvalidRequestError, RateLimitError, TimeoutError, UpstreamError } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackUpstream, startLoopbackUpstream } from "../testing/loopback-upstream.ts";
import { OpenAICompatibleBackend } from "./openai-backend.ts";
import { SseParser } from "./sse.ts";

const req: ChatRequest = {
  model: "deepseek-chat",
  messages: [{ role: "user", content: "hi" }],
  maxTokens: 5,
  stop: ["\n"],
};

async function collect(it: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const textOf = (events: ChatEvent[], type: "text" | "reasoning" = "text") =>
  events
    .filter((e): e is Extract<ChatEvent, { type: "text" | "reasoning" }> => e.type === type)
    .map((e) => e.text)
    .join("");

describe("SseParser", () => {
  it("reads CRLF, missing spaces, comments, multi-line data and a final event without a blank line", () => {
    const p = new SseParser();
    const events = [
      ...p.push(': keep-alive\r\nevent: message\r\ndata:{"a":'),
      ...p.push("1}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]"),
      ...p.end(),
    ];
    expect(events).toEqual(['{"a":1}', "line1\nline2", "[DONE]"]);
  });

  it("splits CRLF across reads, keeps empty data fields and ignores fields that only start with data", () => {
    const p = new SseParser();
    const events = [
      ...p.push("data: one\r"),
      ...p.push("\n\r\ndata\n\ndataX: no\nid: 7\nretry: 10\ndata:two\n"),
      ...p.push("\n: only a comment\n\n"),
    ];
    expect(events).toEqual(["one", "", "two"]);
  });
});

describe("OpenAICompatibleBackend against a loopback server", () => {
  let up: LoopbackUpstream;
  let backend: OpenAICompatibleBackend;
  beforeAll(async () => {
    up = await startLoopbackUpstream();
    backend = new OpenAICompatibleBackend({
      name: "loop",
      baseUrl: up.url,
      apiKey: "sk-test",
      models: ["deepseek-chat"],
      upstreamModel: { "deepseek-chat": "upstream-name" },
      timeouts: { connectMs: 2_000, firstTokenMs: 300, totalMs: 5_000 },
    });
  });
  afterAll(() => up.close());

  it("streams text and usage and sends the OpenAI request fields", async () => {
    up.setBehaviour({ kind: "ok", text: ["Hel", "lo"] });
    const events = await collect(backend.chat(req, new AbortController().signal));
    expect(textOf(events)).toBe("Hello");
    expect(events.at(-1)).toEqual({
      type: "finish",
      reason: "stop",
      usage: { promptTokens: 7, completionTokens: 2 },
    });
    const sent = up.hits.at(-1)?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: "upstream-name", stream: true, max_tokens: 5, stop: ["\n"] });
    expect(sent).not.toHaveProperty("frequency_penalty");
    await collect(
      backend.chat({ ...req, frequencyPenalty: 1.5, presencePenalty: -1 }, new AbortController().signal),
    );
    expect(up.hits.at(-1)?.body).toMatchObject({ frequency_penalty: 1.5, presence_penalty: -1 });
  });

  it("reuses one kept-alive connection for consecutive streamed answers", async () => {
    up.setBehaviour({ kind: "ok", text: ["a", "b"] });
    const before = up.connections;
    for (let i = 0; i < 3; i++) {
      expect(textOf(await collect(backend.chat(req, new AbortController().signal)))).toBe("ab");
      // The socket is released after [DONE] once the body's tail is read: let that happen.
      await new Promise((r) => setImmediate(r));
    }
    expect(up.connections - before).toBeLessThanOrEqual(1);
  });

  it("passes reasoning_content through and splits inline <think> tags", async () => {
    up.setBehaviour({ kind: "ok", reasoning: ["plan "], text: ["<thi", "nk>more</think>", "answer"] });
    const events = await collect(backend.chat(req, new AbortController().signal));
    expect(textOf(events, "reasoning")).toBe("plan more");
    expect(textOf(events)).toBe("answer");
  });

  it("assembles tool-call deltas into whole calls", async () => {
    up.setBehaviour({ kind: "ok", text: [], toolCalls: true });
    const events = await collect(
      backend.chat(
        { ...req, tools: [{ type: "function", function: { name: "get_order" } }] },
        new AbortController().signal,
      ),
    );
    const call = events.find((e) => e.type === "tool_call");
    expect(call).toEqual({
      type: "tool_call",
      call: { id: "call_a", type: "function", function: { name: "get_order", arguments: '{"id":42}' } },
    });
    expect(events.at(-1)).toMatchObject({ type: "finish", reason: "tool_calls" });
    expect((up.hits[up.hits.length - 1].body as { tools: unknown[] }).tools).toHaveLength(1);
  });

  it("maps a 500 to UpstreamError with the upstream message", async () => {
    up.setBehaviour({
      kind: "status",
      status: 500,
      body: JSON.stringify({ error: { message: "CUDA out of memory" } }),
    });
    const err = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toContain("500");
    expect((err as Error).message).toContain("CUDA out of memory");
  });

  it("maps 429 to RateLimitError with Retry-After and 400 to InvalidRequestError", async () => {
    up.setBehaviour({ kind: "status", status: 429, headers: { "retry-after": "7" } });
    const rl = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(rl).toBeInstanceOf(RateLimitError);
    expect((rl as RateLimitError).retryAfterSeconds).toBe(7);
    up.setBehaviour({ kind: "status", status: 400, body: "plain text complaint" });
    const bad = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect((bad as Error).message).toContain("plain text complaint");
  });

  it("times out a server that accepts and never answers", async () => {
    up.setBehaviour({ kind: "stall" });
    const err = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain("first token");
  });

  it("times out a server that sends headers and then nothing", async () => {
    up.setBehaviour({ kind: "headers-then-stall" });
    const err = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("turns garbage and a cut connection into UpstreamError", async () => {
    up.setBehaviour({ kind: "garbage" });
    const garbage = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(UpstreamError);
    expect((garbage as Error).message).toContain("invalid JSON");
    up.setBehaviour({ kind: "cut-mid-stream" });
    const cut = await collect(backend.chat(req, new AbortController().signal)).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(UpstreamError);
  });

  it("propagates an abort to the upstream connection", async () => {
    up.setBehaviour({ kind: "headers-then-stall" });
    const aborts = up.clientAborts;
    const hits = up.hits.length;
    const ctl = new AbortController();
    const p = collect(backend.chat(req, ctl.signal)).catch((e: unknown) => e);
    await expect.poll(() => up.hits.length).toBe(hits + 1);
    ctl.abort();
    const err = await p;
    expect((err as Error).name).toBe("AbortError");
    await expect.poll(() => up.clientAborts).toBe(aborts + 1);
  });

  it("does completions, embeddings and health", async () => {
    up.setBehaviour({ kind: "ok", text: ["a", "b"] });
    const done = await collect(
      backend.complete({ model: "deepseek-chat", prompt: "x" }, new AbortController().signal),
    );
    expect(textOf(done)).toBe("ab");
    const emb = await backend.embed(
      { model: "deepseek-chat", input: ["abc", "de"] },
      new AbortController().signal,
    );
    expect(emb.vectors).toEqual([
      [3, 1, 0],
      [2, 1, 0],
    ]);
    expect(await backend.health()).toMatchObject({ ok: true, ready: true });
    up.setBehaviour({ kind: "status", status: 503 });
    expect(await backend.health()).toMatchObject({ ok: false });
  });
});

describe("OpenAICompatibleBackend on a burst of events in one write", () => {
  // A server that sends its whole stream in one write, so the backend reads it in one go.
  let body = "";
  let server: http.Server;
  let backend: OpenAICompatibleBackend;
  const frame = (json: unknown) => `data: ${JSON.stringify(json)}\n\n`;
  const delta = (d: Record<string, string>) => frame({ choices: [{ index: 0, delta: d }] });
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    backend = new OpenAICompatibleBackend({
      name: "burst",
      baseUrl: `http://127.0.0.1:${port}/v1`,
      models: ["deepseek-chat"],
      timeouts: { connectMs: 2_000, firstTokenMs: 2_000, totalMs: 5_000 },
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("joins adjacent deltas of one read into one event each, keeping their order and the usage", async () => {
    body =
      delta({ content: "Hel" }) +
      delta({ content: "lo" }) +
      delta({ reasoning_content: "hm" }) +
      delta({ reasoning_content: "m" }) +
      delta({ content: ", world" }) +
      frame({ choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) +
      frame({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 5 } }) +
      "data: [DONE]\n\n";
    const events = await collect(backend.chat(req, new AbortController().signal));
    expect(events).toEqual([
      { type: "text", text: "Hello" },
      { type: "reasoning", text: "hmm" },
      { type: "text", text: ", world" },
      { type: "finish", reason: "length", usage: { promptTokens: 3, completionTokens: 5 } },
    ]);
  });

  it("still hands over the events before a garbage one in the same read, then fails", async () => {
    body = `${delta({ content: "Hel" })}${delta({ content: "lo" })}data: {not json\n\n`;
    const seen: ChatEvent[] = [];
    const err = await (async () => {
      for await (const e of backend.chat(req, new AbortController().signal)) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: "text", text: "Hello" }]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toContain("invalid JSON");
  });
});
