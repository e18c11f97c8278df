import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { LlamaBackend } from "@seekdesk/engine/llama/llama-backend.ts";
import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineAdapter } from "./engine-adapter.ts";
import { metricValue } from "./testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

// One gateway, two fixture models loaded once for the whole file (tiny random-weight checkpoints
// of the real architectures: their text is gibberish, so tests check shape and mechanics).
let gw: TempGateway;
let client: OpenAI;
let readyAtStart: boolean;
let readyStatusAtStart: number;

beforeAll(async () => {
  const [v3, qwen] = await Promise.all([fixtureGguf("deepseek_v3"), fixtureGguf("qwen2")]);
  const engine = new Engine({
    backends: [
      new LlamaBackend({
        ids: ["deepseek-v3-tiny"],
        modelPath: v3,
        contextSize: 512,
        parallel: 2,
        threads: 1,
        gpu: false,
      }),
      new LlamaBackend({
        ids: ["qwen2-tiny"],
        modelPath: qwen,
        contextSize: 512,
        parallel: 1,
        threads: 1,
        gpu: false,
        embeddings: true,
      }),
    ],
    healthCheck: false,
  });
  const adapter = new EngineAdapter(engine);
  gw = await startTempGateway({ engine: adapter });
  readyAtStart = gw.gateway.ready();
  readyStatusAtStart = (await fetch(`${gw.url}/ready`)).status;
  await vi.waitFor(async () => expect((await fetch(`${gw.url}/ready`)).status).toBe(200), {
    timeout: 120_000,
    interval: 50,
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => gw?.stop());

const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();

describe("OpenAI API over llama.cpp (fixture GGUFs)", () => {
  it("reports not ready until the models are loaded and warmed", () => {
    expect(readyAtStart).toBe(false);
    expect(readyStatusAtStart).toBe(503);
  });

  it("answers a non-streaming chat completion with usage and a length stop", async () => {
    const r = await client.chat.completions.create({
      model: "deepseek-v3-tiny",
      messages: [{ role: "user", content: "我的订单什么时候发货？" }],
      max_tokens: 6,
      temperature: 0,
    });
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(typeof r.choices[0].message.content).toBe("string");
    expect(r.choices[0].finish_reason).toBe("length");
    expect(r.usage?.completion_tokens).toBe(6);
    expect(r.usage?.prompt_tokens).toBeGreaterThan(3);
  });

  it("streams with a final usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "qwen2-tiny",
      messages: [{ role: "user", content: "Where is my parcel?" }],
      max_tokens: 5,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) deltas++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toBeGreaterThan(0);
    expect(finish).toBe("length");
    expect(usage?.completion_tokens).toBe(5);
  });

  it("stops at a stop sequence and leaves it out", async () => {
    const ask = {
      model: "deepseek-v3-tiny",
      messages: [{ role: "user" as const, content: "Say something long." }],
      max_tokens: 24,
      temperature: 0,
      seed: 7,
    };
    const full = (await client.chat.completions.create(ask)).choices[0].message.content ?? "";
    // Greedy decoding repeats itself: a stop string from the middle of the first answer must cut the second.
    let from = Math.floor(full.length / 2);
    while (from < full.length - 3 && full.slice(from, from + 3).trim().length < 3) from++;
    const stop = full.slice(from, from + 3);
    expect(stop.trim()).toHaveLength(3);
    const cut = await client.chat.completions.create({ ...ask, stop: [stop] });
    expect(cut.choices[0].finish_reason).toBe("stop");
    expect(cut.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)));
  });

  it("refuses a logit_bias token outside the model's vocabulary with a 400, streaming or not", async () => {
    const ask = {
      model: "qwen2-tiny",
      messages: [{ role: "user" as const, content: "hi" }],
      max_tokens: 4,
      logit_bias: { "999999": 5 },
    };
    const plain = await client.chat.completions.create(ask).catch((e) => e);
    expect(plain.status).toBe(400);
    expect(plain.param).toBe("logit_bias");
    expect(plain.message).toContain("vocabulary of 151936 tokens");
    const streamed = await client.chat.completions.create({ ...ask, stream: true }).catch((e) => e);
    expect(streamed.status).toBe(400);
    expect(streamed.param).toBe("logit_bias");
  });

  it("returns json_schema output that parses and validates", async () => {
    const r = await client.chat.completions.create({
      model: "qwen2-tiny",
      messages: [{ role: "user", content: "Classify: I want a refund" }],
      max_tokens: 64,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "intent",
          schema: {
            type: "object",
            properties: { intent: { enum: ["refund", "shipping", "other"] }, urgent: { type: "boolean" } },
            required: ["intent", "urgent"],
            additionalProperties: false,
          },
        },
      },
    });
    const parsed = JSON.parse(r.choices[0].message.content ?? "");
    expect(["refund", "shipping", "other"]).toContain(parsed.intent);
    expect(typeof parsed.urgent).toBe("boolean");
    expect(Object.keys(parsed).sort()).toEqual(["intent", "urgent"]);
  });

  it("embeds texts: one vector per input, equal inputs give equal vectors", async () => {
    const r = await client.embeddings.create({
      model: "qwen2-tiny",
      input: ["退货政策", "refund policy", "退货政策"],
      encoding_format: "float",
    });
    expect(r.data).toHaveLength(3);
    const [a, b, c] = r.data.map((d) => d.embedding);
    expect(a.length).toBeGreaterThan(8);
    expect(a).toEqual(c);
    expect(a).not.toEqual(b);
    expect(r.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("frees the sequence when a client aborts a stream, and serves the next request", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: "deepseek-v3-tiny",
        messages: [{ role: "user", content: "Tell me everything." }],
        max_tokens: 400,
        temperature: 0,
        stream: true,
      },
      { signal: controller.signal },
    );
    let seen = 0;
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content && ++seen === 3) controller.abort();
      }
    })().catch((e: Error) => expect(e.name).toMatch(/Abort/));
    expect(seen).toBe(3);
    await vi.waitFor(async () => {
      const text = await metrics();
      expect(metricValue(text, "seekdesk_active_sequences", { model: "deepseek-v3-tiny" })).toBe(0);
    });
    const before = metricValue(await metrics(), "seekdesk_generated_tokens_total", {
      model: "deepseek-v3-tiny",
    });
    const next = await client.chat.completions.create({
      model: "deepseek-v3-tiny",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 3,
      temperature: 0,
    });
    expect(next.usage?.completion_tokens).toBe(3);
    expect(
      metricValue(await metrics(), "seekdesk_generated_tokens_total", { model: "deepseek-v3-tiny" }),
    ).toBe(before + 3);
  });

  it("forces a tool call when tool_choice is required, with arguments that parse", async () => {
    const r = await client.chat.completions.create({
      model: "qwen2-tiny",
      messages: [{ role: "user", content: "Where is order 42?" }],
      max_tokens: 64,
      tools: [
        {
          type: "function",
          function: {
            name: "get_order",
            // A finite argument language: with an unbounded integer a random model may emit digits until max_tokens.
            parameters: {
              type: "object",
              properties: { id: { enum: ["A-42", "B-7"] } },
              required: ["id"],
              additionalProperties: false,
            },
          },
        },
      ],
      tool_choice: "required",
    });
    const call = r.choices[0].message.tool_calls?.[0] as
      | OpenAI.ChatCompletionMessageFunctionToolCall
      | undefined;
    expect(r.choices[0].finish_reason).toBe("tool_calls");
    expect(call?.function.name).toBe("get_order");
    expect(["A-42", "B-7"]).toContain(JSON.parse(call?.function.arguments ?? "").id);
  });

  it("serves a second seekdesk that uses this one as its remote backend (real HTTP both ways)", async () => {
    const front = new Engine({
      backends: [
        new OpenAICompatibleBackend({
          name: "llama-seekdesk",
          baseUrl: `${gw.url}/v1`,
          models: ["qwen2-tiny"],
        }),
      ],
      healthCheck: false,
    });
    const outer = await startTempGateway({ engine: new EngineAdapter(front) });
    try {
      const c2 = new OpenAI({ baseURL: `${outer.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const ask = {
        model: "qwen2-tiny",
        messages: [{ role: "user" as const, content: "Hello" }],
        max_tokens: 6,
        temperature: 0,
      };
      const direct = await client.chat.completions.create(ask);
      const stream = await c2.chat.completions.create({
        ...ask,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(direct.choices[0].message.content);
      expect(usage?.completion_tokens).toBe(6);
      const e = await c2.embeddings.create({ model: "qwen2-tiny", input: "退货", encoding_format: "float" });
      const d = await client.embeddings.create({
        model: "qwen2-tiny",
        input: "退货",
        encoding_format: "float",
      });
      expect(e.data[0].embedding).toEqual(d.data[0].embedding);
    } finally {
      await outer.stop();
    }
  });
});
