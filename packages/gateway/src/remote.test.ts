import { Writable } from "node:stream";
import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { type LoopbackUpstream, startLoopbackUpstream } from "@seekdesk/engine/testing/loopback-upstream.ts";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineAdapter, MetricsObserver } from "./engine-adapter.ts";
import { type DripUpstream, startDripUpstream } from "./testing/drip-upstream.ts";
import { metricValue } from "./testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

let upstream: LoopbackUpstream;
let drip: DripUpstream;
let gw: TempGateway;
let client: OpenAI;
const observer = new MetricsObserver();

beforeAll(async () => {
  upstream = await startLoopbackUpstream({
    kind: "ok",
    text: ["Hello", ", world"],
    reasoning: ["Let me ", "think"],
  });
  drip = await startDripUpstream({ tokens: 100_000, intervalMs: 2 });
  const engine = new Engine({
    backends: [
      new OpenAICompatibleBackend({ name: "up", baseUrl: upstream.url, models: ["remote"] }),
      new OpenAICompatibleBackend({ name: "drip", baseUrl: drip.url, models: ["drip"] }),
    ],
    aliases: { "deepseek-chat": "remote" },
    healthCheck: false,
    observer,
  });
  gw = await startTempGateway({ engine: new EngineAdapter(engine) });
  observer.attach(gw.gateway.metrics);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await upstream.close();
  await drip.close();
});

const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();

describe("OpenAI API over a remote OpenAI-compatible backend (real HTTP both ways)", () => {
  it("lists models and answers a chat completion with reasoning_content and usage", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["drip", "remote"]);
    const r = await client.chat.completions.create({
      model: "deepseek-chat",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.system_fingerprint).toMatch(/^fp_/);
    expect(r.choices[0].message.content).toBe("Hello, world");
    expect((r.choices[0].message as unknown as { reasoning_content: string }).reasoning_content).toBe(
      "Let me think",
    );
    expect(r.choices[0].finish_reason).toBe("stop");
    expect(r.usage).toEqual(
      expect.objectContaining({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }),
    );
  });

  it("streams deltas, reasoning deltas and a final usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "remote",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let reasoning = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      const delta = chunk.choices[0]?.delta as
        | { content?: string | null; reasoning_content?: string }
        | undefined;
      text += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello, world");
    expect(reasoning).toBe("Let me think");
    expect(finish).toBe("stop");
    expect(usage?.total_tokens).toBe(9);
  });

  it("passes tools through and returns the tool call", async () => {
    upstream.setBehaviour({ kind: "ok", text: [], toolCalls: true });
    try {
      const r = await client.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "where is order 42?" }],
        tools: [
          {
            type: "function",
            function: {
              name: "get_order",
              parameters: { type: "object", properties: { id: { type: "number" } } },
            },
          },
        ],
      });
      expect(r.choices[0].finish_reason).toBe("tool_calls");
      const call = r.choices[0].message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(call.function).toEqual({ name: "get_order", arguments: '{"id":42}' });
      const sent = upstream.hits.at(-1)?.body as { tools: unknown[] };
      expect(sent.tools).toHaveLength(1);
    } finally {
      upstream.setBehaviour({ kind: "ok", text: ["Hello", ", world"], reasoning: ["Let me ", "think"] });
    }
  });

  it("passes embeddings through, as floats and base64", async () => {
    const r = await client.embeddings.create({
      model: "remote",
      input: ["abc", "hello"],
      encoding_format: "float",
    });
    expect(r.data.map((d) => d.embedding)).toEqual([
      [3, 1, 0],
      [5, 1, 0],
    ]);
    // The SDK asks for base64 by default and decodes it: the same floats must come back.
    const b = await client.embeddings.create({ model: "remote", input: "abcd" });
    expect(b.data[0].embedding).toEqual([4, 1, 0]);
  });

  it("serves /v1/completions, streaming and not", async () => {
    upstream.setBehaviour({ kind: "ok", text: ["Once", " upon"] });
    try {
      const r = await client.completions.create({
        model: "remote",
        prompt: "Tell me a story",
        max_tokens: 8,
      });
      expect(r.object).toBe("text_completion");
      expect(r.choices[0].text).toBe("Once upon");
      const stream = await client.completions.create({ model: "remote", prompt: "Tell me", stream: true });
      let text = "";
      for await (const c of stream) text += c.choices[0]?.text ?? "";
      expect(text).toBe("Once upon");
      expect(upstream.hits.at(-1)?.path).toBe("/v1/completions");
    } finally {
      upstream.setBehaviour({ kind: "ok", text: ["Hello", ", world"], reasoning: ["Let me ", "think"] });
    }
  });

  it("reports an upstream that dies mid-stream as an error event, then keeps serving", async () => {
    upstream.setBehaviour({ kind: "cut-mid-stream" });
    try {
      const stream = await client.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      let text = "";
      const err = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })().catch((e: Error) => e);
      expect(text).toBe("partial");
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: "upstream_error" });
    } finally {
      upstream.setBehaviour({ kind: "ok", text: ["Hello", ", world"], reasoning: ["Let me ", "think"] });
    }
    await vi.waitFor(async () =>
      expect(metricValue(await metrics(), "seekdesk_active_sequences", { model: "remote" })).toBe(0),
    );
    const next = await client.chat.completions.create({
      model: "remote",
      messages: [{ role: "user", content: "again" }],
    });
    expect(next.choices[0].message.content).toBe("Hello, world");
  });

  it("turns a stalled upstream into 504 and a garbage one into 502, so no client hangs", async () => {
    const bad = await startLoopbackUpstream({ kind: "stall" });
    const engine = new Engine({
      backends: [
        new OpenAICompatibleBackend({
          name: "bad",
          baseUrl: bad.url,
          models: ["bad"],
          timeouts: { firstTokenMs: 300, connectMs: 300 },
        }),
      ],
      healthCheck: false,
      retry: { maxAttempts: 1 },
    });
    const g = await startTempGateway({ engine: new EngineAdapter(engine) });
    try {
      const c2 = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const ask = { model: "bad", messages: [{ role: "user" as const, content: "hi" }] };
      const stalled = await c2.chat.completions.create(ask).catch((e) => e);
      expect(stalled.status).toBe(504);
      expect(stalled.error).toMatchObject({ type: "timeout_error" });
      bad.setBehaviour({ kind: "garbage" });
      const garbage = await c2.chat.completions.create(ask).catch((e) => e);
      expect(garbage.status).toBe(502);
      expect((await fetch(`${g.url}/health`)).status).toBe(200);
    } finally {
      await g.stop();
      await bad.close();
    }
  });

  it("answers unknown models with 404 model_not_found", async () => {
    const err = await client.chat.completions
      .create({ model: "gpt-9", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe("model_not_found");
  });

  it("aborting a stream mid-way stops the upstream, returns the active-sequence gauge to 0 and serves the next request", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "drip", messages: [{ role: "user", content: "go on forever" }], stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    const reading = (async () => {
      for await (const _ of stream) {
        if (++seen === 5) controller.abort();
      }
    })();
    // The SDK ends the iteration quietly or with an abort error, depending on where the abort lands.
    await reading.catch((e: Error) => expect(e.name).toMatch(/Abort/));
    expect(seen).toBe(5);
    await vi.waitFor(async () => {
      expect(metricValue(await metrics(), "seekdesk_active_sequences", { model: "drip" })).toBe(0);
      expect(drip.clientAborts).toBe(1);
    });
    const next = await client.chat.completions.create({
      model: "remote",
      messages: [{ role: "user", content: "again" }],
    });
    expect(next.choices[0].message.content).toBe("Hello, world");
  });

  it("a client leaving a non-streaming request stops the upstream and is counted as 499, not as a server error", async () => {
    const controller = new AbortController();
    const pending = client.chat.completions
      .create(
        { model: "drip", messages: [{ role: "user", content: "long answer" }] },
        { signal: controller.signal },
      )
      .catch((e: Error) => e);
    await vi.waitFor(() => expect(drip.open).toBe(1));
    const abortsBefore = drip.clientAborts;
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(async () => {
      const text = await metrics();
      expect(
        metricValue(text, "seekdesk_requests_total", {
          route: "/v1/chat/completions",
          model: "drip",
          status: "499",
        }),
      ).toBe(1);
      expect(metricValue(text, "seekdesk_active_sequences", { model: "drip" })).toBe(0);
      expect(drip.clientAborts).toBe(abortsBefore + 1);
    });
  });

  it("exports request, latency, token and failover metrics that move with traffic", async () => {
    const before = await metrics();
    await client.chat.completions.create({
      model: "remote",
      messages: [{ role: "user", content: "count me" }],
    });
    const after = await metrics();
    const labels = { route: "/v1/chat/completions", model: "remote", status: "200" };
    expect(metricValue(after, "seekdesk_requests_total", labels)).toBe(
      metricValue(before, "seekdesk_requests_total", labels) + 1,
    );
    expect(metricValue(after, "seekdesk_prompt_tokens_total", { model: "remote" })).toBe(
      metricValue(before, "seekdesk_prompt_tokens_total", { model: "remote" }) + 7,
    );
    expect(metricValue(after, "seekdesk_generated_tokens_total", { model: "remote" })).toBe(
      metricValue(before, "seekdesk_generated_tokens_total", { model: "remote" }) + 2,
    );
    expect(
      metricValue(after, "seekdesk_time_to_first_token_seconds_count", { model: "remote" }),
    ).toBeGreaterThan(metricValue(before, "seekdesk_time_to_first_token_seconds_count", { model: "remote" }));
    expect(after).toContain("seekdesk_request_duration_seconds_bucket");
    expect(after).toContain("seekdesk_time_per_output_token_seconds_bucket");
    expect(after).toContain("process_cpu_user_seconds_total");

    upstream.setBehaviour({ kind: "status", status: 500 });
    try {
      const err = await client.chat.completions
        .create({ model: "remote", messages: [{ role: "user", content: "x" }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
    } finally {
      upstream.setBehaviour({ kind: "ok", text: ["Hello", ", world"], reasoning: ["Let me ", "think"] });
    }
    expect(
      metricValue(await metrics(), "seekdesk_backend_errors_total", { model: "remote", backend: "up" }),
    ).toBeGreaterThan(0);
  });

  it("chains: a second seekdesk in front of this one gives the same answers (reasoning, tools, usage, errors)", async () => {
    const front = new Engine({
      backends: [
        new OpenAICompatibleBackend({ name: "inner-seekdesk", baseUrl: `${gw.url}/v1`, models: ["remote"] }),
      ],
      healthCheck: false,
    });
    const outer = await startTempGateway({ engine: new EngineAdapter(front) });
    try {
      const c2 = new OpenAI({ baseURL: `${outer.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const r = await c2.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.choices[0].message.content).toBe("Hello, world");
      expect((r.choices[0].message as unknown as { reasoning_content: string }).reasoning_content).toBe(
        "Let me think",
      );
      expect(r.usage?.total_tokens).toBe(9);
      const stream = await c2.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage = 0;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        usage = chunk.usage?.total_tokens ?? usage;
      }
      expect(text).toBe("Hello, world");
      expect(usage).toBe(9);
      // Bad parameters are refused at the outer door, before any upstream call.
      const bad = await c2.chat.completions
        .create({ model: "remote", messages: [{ role: "user", content: "x" }], top_p: 0.5, max_tokens: -1 })
        .catch((e) => e);
      expect(bad.status).toBe(400);
      expect(bad.param).toBe("max_tokens");
      const penalty = await c2.chat.completions
        .create({ model: "remote", messages: [{ role: "user", content: "x" }], presence_penalty: 2.5 })
        .catch((e) => e);
      expect(penalty.status).toBe(400);
      expect(penalty.param).toBe("presence_penalty");
      expect(penalty.message).toContain("between -2 and 2");
      // Penalties travel through both gateways to the model server; 0 (no penalty) is not sent.
      await c2.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
        frequency_penalty: 0.5,
        presence_penalty: -0.25,
      });
      expect(upstream.hits.at(-1)?.body).toMatchObject({ frequency_penalty: 0.5, presence_penalty: -0.25 });
      await c2.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
        logit_bias: { "15": -100, "1234": 2.5 },
      });
      expect(upstream.hits.at(-1)?.body).toMatchObject({ logit_bias: { "15": -100, "1234": 2.5 } });
      for (const [bias, says] of [
        [{ "15": 101 }, "between -100 and 100"],
        [{ hello: 1 }, "keys must be token ids (non-negative integers)"],
        [[1, 2], "expected an object of token ids to numbers"],
      ] as const) {
        const refused = await c2.chat.completions
          // A wrong shape on purpose, past the SDK's types.
          .create({
            model: "remote",
            messages: [{ role: "user", content: "x" }],
            logit_bias: bias as unknown as Record<string, number>,
          })
          .catch((e) => e);
        expect(refused.status).toBe(400);
        expect(refused.param).toMatch(/^logit_bias/);
        expect(refused.message).toContain(says);
      }
      await c2.chat.completions.create({
        model: "remote",
        messages: [{ role: "user", content: "hi" }],
        frequency_penalty: 0,
      });
      expect(upstream.hits.at(-1)?.body).not.toHaveProperty("frequency_penalty");
    } finally {
      await outer.stop();
    }
  });

  it("fails over to the next backend of a model and counts it", async () => {
    // Healthy at the warm-up check, failing afterwards: a backend that failed its check would be
    // ordered last, and whether the check or the request came first would be a race.
    const broken = await startLoopbackUpstream({ kind: "ok" });
    const obs = new MetricsObserver();
    const engine = new Engine({
      backends: [
        {
          backend: new OpenAICompatibleBackend({ name: "broken", baseUrl: broken.url, models: ["pair"] }),
          weight: 1000,
        },
        {
          backend: new OpenAICompatibleBackend({ name: "healthy", baseUrl: upstream.url, models: ["pair"] }),
          weight: 0.001,
        },
      ],
      healthCheck: false,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      observer: obs,
      // A fixed draw makes the weighted order deterministic: the heavy (broken) backend first.
      random: () => 0.5,
    });
    const pair = await startTempGateway({ engine: new EngineAdapter(engine) });
    obs.attach(pair.gateway.metrics);
    try {
      await vi.waitFor(() => expect(pair.gateway.ready()).toBe(true));
      broken.setBehaviour({ kind: "status", status: 503 });
      const c2 = new OpenAI({ baseURL: `${pair.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const r = await c2.chat.completions.create({
        model: "pair",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.choices[0].message.content).toBe("Hello, world");
      const text = await (await fetch(`${pair.url}/metrics`)).text();
      expect(
        metricValue(text, "seekdesk_failovers_total", { model: "pair", from: "broken", to: "healthy" }),
      ).toBe(1);
      expect(metricValue(text, "seekdesk_backend_errors_total", { model: "pair", backend: "broken" })).toBe(
        1,
      );
    } finally {
      await pair.stop();
      await broken.close();
    }
  });

  it("keeps prompt text out of the logs unless logPrompts is on", async () => {
    const secret = "my card number is 4111-1111";
    async function logsFor(logPrompts: boolean): Promise<string> {
      let out = "";
      const sink = new Writable({
        write(chunk, _enc, done) {
          out += chunk.toString();
          done();
        },
      });
      const engine = new Engine({
        backends: [new OpenAICompatibleBackend({ name: "up", baseUrl: upstream.url, models: ["remote"] })],
        healthCheck: false,
      });
      const g = await startTempGateway({
        engine: new EngineAdapter(engine),
        logger: pino({ level: "info" }, sink),
        config: { server: { logPrompts } },
      });
      try {
        const res = await fetch(`${g.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": "req-log-check" },
          body: JSON.stringify({ model: "remote", messages: [{ role: "user", content: secret }] }),
        });
        expect(res.status).toBe(200);
      } finally {
        await g.stop();
      }
      return out;
    }
    const quiet = await logsFor(false);
    expect(quiet).toContain('"requestId":"req-log-check"');
    expect(quiet).toContain('"route":"/v1/chat/completions"');
    expect(quiet).toContain('"promptTokens":7,"completionTokens":2');
    expect(quiet).not.toContain(secret);
    expect(await logsFor(true)).toContain(secret);
  });
});
