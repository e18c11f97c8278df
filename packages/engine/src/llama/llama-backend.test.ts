import type { ChatEvent, ChatRequest } from "@seekdesk/core";
import { InvalidRequestError, RateLimitError, UnavailableError } from "@seekdesk/core";
import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../router/engine.ts";
import { LlamaBackend } from "./llama-backend.ts";

/**
 * Real llama.cpp on the qwen2 fixture converted to GGUF. The weights are random, so the tests
 * assert structure (grammar-valid JSON, stop strings honoured, token counts, sequences freed),
 * never wording.
 */
let backend: LlamaBackend;
const maxActive: number[] = [];
let loadingHealth: unknown;

beforeAll(async () => {
  const modelPath = await fixtureGguf("qwen2");
  // One thread: the CI machine has two busy cores and llama.cpp threads spin at barriers.
  backend = new LlamaBackend({
    ids: ["qwen2-fixture"],
    modelPath,
    contextSize: 1024,
    threads: 1,
    parallel: 2,
    maxQueue: 1,
    gpu: false,
    embeddings: true,
  });
  backend.onStatsChange((s) => maxActive.push(s.activeSequences));
  loadingHealth = await backend.health();
  await backend.whenReady();
});
afterAll(() => backend?.close());

const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: "qwen2-fixture",
  messages: [
    { role: "system", content: "You are a shop assistant." },
    { role: "user", content: "Where is my order?" },
  ],
  temperature: 0,
  maxTokens: 16,
  ...extra,
});

async function collect(it: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const allText = (events: ChatEvent[]) =>
  events.map((e) => (e.type === "text" || e.type === "reasoning" ? e.text : "")).join("");
const finish = (events: ChatEvent[]) => events.at(-1) as Extract<ChatEvent, { type: "finish" }>;

describe("LlamaBackend on a fixture GGUF", () => {
  it("is not ready while loading, and ready after warm-up", async () => {
    expect(loadingHealth).toEqual({ ok: true, ready: false, detail: "loading" });
    expect(await backend.health()).toEqual({ ok: true, ready: true, detail: undefined });
  });

  it("reports a model that cannot load as unhealthy and answers 503", async () => {
    const broken = new LlamaBackend({ ids: ["broken"], modelPath: "/nonexistent/model.gguf", gpu: false });
    await expect(broken.whenReady()).rejects.toThrow();
    expect(await broken.health()).toMatchObject({ ok: false, ready: false });
    await expect(
      collect(broken.chat(ask({ model: "broken" }), new AbortController().signal)),
    ).rejects.toBeInstanceOf(UnavailableError);
    await broken.close();
  });

  it("streams tokens with usage", async () => {
    const events = await collect(backend.chat(ask({ maxTokens: 12 }), new AbortController().signal));
    expect(events.filter((e) => e.type === "text" || e.type === "reasoning").length).toBeGreaterThan(1);
    const f = finish(events);
    expect(f.type).toBe("finish");
    expect(f.usage.promptTokens).toBeGreaterThan(5);
    if (f.reason === "length") expect(f.usage.completionTokens).toBe(12);
    else expect(f.usage.completionTokens).toBeLessThanOrEqual(12);
    expect(backend.stats()).toEqual([{ model: "qwen2-fixture", queueDepth: 0, activeSequences: 0 }]);
  });

  it("stops at a stop string, even one spanning tokens, without leaking it", async () => {
    const free = allText(await collect(backend.chat(ask({ maxTokens: 24 }), new AbortController().signal)));
    expect(free.length).toBeGreaterThan(12);
    const stop = free.slice(6, 10);
    const expected = free.slice(0, free.indexOf(stop));
    const events = await collect(
      backend.chat(ask({ maxTokens: 24, stop: [stop] }), new AbortController().signal),
    );
    expect(allText(events)).toBe(expected);
    expect(allText(events)).not.toContain(stop);
    expect(finish(events).reason).toBe("stop");
  });

  it("returns JSON that parses and follows the schema under response_format json_schema", async () => {
    const schema = {
      type: "object",
      properties: {
        status: { type: "string", enum: ["shipped", "refunded", "lost"] },
        urgent: { type: "boolean" },
        note: { type: "string", maxLength: 12 },
      },
      required: ["status", "urgent", "note"],
      additionalProperties: false,
    };
    for (const seed of [1, 2]) {
      const events = await collect(
        backend.chat(
          ask({
            temperature: 0.8,
            seed,
            maxTokens: 120,
            responseFormat: { type: "json_schema", json_schema: { name: "order", schema } },
          }),
          new AbortController().signal,
        ),
      );
      const value = JSON.parse(allText(events)) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(["note", "status", "urgent"]);
      expect(["shipped", "refunded", "lost"]).toContain(value.status);
      expect(typeof value.urgent).toBe("boolean");
      expect(typeof value.note === "string" && value.note.length <= 12).toBe(true);
    }
  });

  it("forces a tool call by grammar when tool_choice is required", async () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "cancel_order",
          parameters: {
            type: "object",
            properties: { reason: { type: "string", enum: ["late", "broken"] } },
            required: ["reason"],
          },
        },
      },
      {
        type: "function" as const,
        function: {
          name: "track_order",
          parameters: { type: "object", properties: { express: { type: "boolean" } } },
        },
      },
    ];
    const events = await collect(
      backend.chat(
        ask({ tools, toolChoice: "required", maxTokens: 60, temperature: 0.5, seed: 3 }),
        new AbortController().signal,
      ),
    );
    const calls = events.filter((e) => e.type === "tool_call");
    expect(calls).toHaveLength(1);
    const call = calls[0].type === "tool_call" ? calls[0].call : undefined;
    expect(["cancel_order", "track_order"]).toContain(call?.function.name);
    const args = JSON.parse(call?.function.arguments ?? "") as Record<string, unknown>;
    if (call?.function.name === "cancel_order") expect(["late", "broken"]).toContain(args.reason);
    else expect(typeof args.express).toBe("boolean");
    expect(finish(events).reason).toBe("tool_calls");
  });

  it("renders a tool round trip through the template's native function calling", async () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "track_order",
          parameters: { type: "object", properties: { id: { type: "string" } } },
        },
      },
    ];
    const turn = (result: string): ChatRequest =>
      ask({
        tools,
        maxTokens: 4,
        messages: [
          { role: "user", content: "Where is order 7?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "c1", type: "function", function: { name: "track_order", arguments: '{"id":"7"}' } },
            ],
          },
          { role: "tool", tool_call_id: "c1", content: result },
        ],
      });
    const short = finish(await collect(backend.chat(turn("ok"), new AbortController().signal)));
    const long = finish(
      await collect(
        backend.chat(
          turn("in transit, arriving on Friday at the pickup point"),
          new AbortController().signal,
        ),
      ),
    );
    // The tool result reaches the prompt: a longer result, a longer prompt.
    expect(long.usage.promptTokens).toBeGreaterThan(short.usage.promptTokens + 5);
  });

  it("reproduces a sampled answer with the same seed", async () => {
    const sample = async (seed: number) =>
      allText(
        await collect(
          backend.chat(ask({ temperature: 1, seed, maxTokens: 12 }), new AbortController().signal),
        ),
      );
    const a = await sample(7);
    expect(await sample(7)).toBe(a);
    const others = [await sample(8), await sample(9)];
    expect(others.some((o) => o !== a)).toBe(true);
  });

  it("applies frequency and presence penalties to a greedy answer, the same way each time", async () => {
    const greedy = async (extra: Partial<ChatRequest>) =>
      allText(await collect(backend.chat(ask({ maxTokens: 24, ...extra }), new AbortController().signal)));
    const plain = await greedy({});
    const penalised = await greedy({ frequencyPenalty: 2, presencePenalty: 2 });
    // The random fixture repeats two characters over and over; penalised, it moves on to others.
    expect(penalised).not.toBe(plain);
    expect(new Set(penalised).size).toBeGreaterThan(new Set(plain).size);
    expect(await greedy({ frequencyPenalty: 2, presencePenalty: 2 })).toBe(penalised);
    // A negative penalty (OpenAI allows down to -2) pulls towards repeating instead.
    expect(await greedy({ presencePenalty: -2 })).not.toBe(penalised);
  });

  it("adds logit_bias to the logits: +100 makes one token the only choice, -100 bans it", async () => {
    const greedy = async (extra: Partial<ChatRequest>) =>
      allText(await collect(backend.chat(ask({ maxTokens: 8, ...extra }), new AbortController().signal)));
    const plain = await greedy({});
    // Token 15 is the digit 0 in the Qwen2 vocabulary.
    const forced = await greedy({ logitBias: { "15": 100 } });
    expect(forced).toBe("0".repeat(8));
    // Both pushed up, 1 wins here; banned, it gives way to 0 however far it was pushed.
    expect(await greedy({ logitBias: { "15": 100, "16": 100 } })).toBe("1".repeat(8));
    expect(await greedy({ logitBias: { "15": 100, "16": -100 } })).toBe("0".repeat(8));
    expect(plain).not.toBe(forced);
    const err = await collect(
      backend.chat(ask({ logitBias: { "999999": 5 } }), new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).param).toBe("logit_bias");
    expect((err as Error).message).toContain("vocabulary of 151936 tokens");
  });

  it("frees the sequence when a request is aborted and serves the next one", async () => {
    const ctl = new AbortController();
    let seen = 0;
    const err = await (async () => {
      for await (const e of backend.chat(ask({ maxTokens: 500 }), ctl.signal)) {
        if (e.type === "text" || e.type === "reasoning") seen++;
        if (seen === 2) ctl.abort();
      }
    })().catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(backend.stats()[0].activeSequences).toBe(0);
    // A consumer that simply stops reading frees it too.
    for await (const _ of backend.chat(ask({ maxTokens: 500 }), new AbortController().signal)) break;
    expect(backend.stats()[0].activeSequences).toBe(0);
    expect(
      finish(await collect(backend.chat(ask({ maxTokens: 4 }), new AbortController().signal))).type,
    ).toBe("finish");
  });

  it("decodes two requests at once with parallel=2 and refuses a full queue with Retry-After", async () => {
    maxActive.length = 0;
    const ctl = new AbortController();
    const long = () =>
      collect(backend.chat(ask({ maxTokens: 600, temperature: 1 }), ctl.signal)).catch((e: unknown) => e);
    const running = [long(), long(), long()];
    await expect
      .poll(() => backend.stats()[0])
      .toEqual({ model: "qwen2-fixture", activeSequences: 2, queueDepth: 1 });
    const refused = await collect(backend.chat(ask(), new AbortController().signal)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    ctl.abort();
    for (const r of await Promise.all(running)) expect((r as Error).name).toBe("AbortError");
    expect(Math.max(...maxActive)).toBe(2);
    expect(backend.stats()[0]).toEqual({ model: "qwen2-fixture", activeSequences: 0, queueDepth: 0 });

    const [x, y] = await Promise.all([
      collect(backend.chat(ask({ maxTokens: 8 }), new AbortController().signal)),
      collect(backend.chat(ask({ maxTokens: 8 }), new AbortController().signal)),
    ]);
    // Greedy decoding of the same prompt in two sequences of one batch gives the same tokens.
    expect(allText(x)).toBe(allText(y));
  });

  it("continues an assistant prefill that opened <think> as reasoning", async () => {
    const events = await collect(
      backend.chat(
        ask({
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "<think>\nThe customer" },
          ],
          maxTokens: 6,
        }),
        new AbortController().signal,
      ),
    );
    expect(events[0].type).toBe("reasoning");
    expect(events.filter((e) => e.type === "reasoning").length).toBeGreaterThan(1);
  });

  it("refuses a prompt longer than the context with a 400, keeping the sequence free", async () => {
    const long = "order ".repeat(1500);
    const err = await collect(
      backend.chat(ask({ messages: [{ role: "user", content: long }] }), new AbortController().signal),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).code).toBe("context_length_exceeded");
    expect(backend.stats()[0].activeSequences).toBe(0);
  });

  it("completes raw prompts", async () => {
    const events = await collect(
      backend.complete(
        { model: "qwen2-fixture", prompt: "Order 1234 is", maxTokens: 5, temperature: 0 },
        new AbortController().signal,
      ),
    );
    expect(finish(events).usage.completionTokens).toBeLessThanOrEqual(5);
    expect(finish(events).usage.promptTokens).toBeGreaterThan(2);
  });

  it("embeds text into fixed-size, deterministic vectors", async () => {
    const r = await backend.embed(
      { model: "qwen2-fixture", input: ["where is my parcel", "退款"] },
      new AbortController().signal,
    );
    expect(r.vectors).toHaveLength(2);
    expect(r.vectors[0].length).toBe(r.vectors[1].length);
    expect(r.vectors[0].length).toBeGreaterThan(8);
    expect(r.vectors.flat().every(Number.isFinite)).toBe(true);
    expect(r.promptTokens).toBeGreaterThan(2);
    const again = await backend.embed(
      { model: "qwen2-fixture", input: ["where is my parcel"] },
      new AbortController().signal,
    );
    expect(again.vectors[0]).toEqual(r.vectors[0]);
  });

  it("serves through the Engine, which reports ready", async () => {
    const engine = new Engine({
      backends: [backend],
      aliases: { "deepseek-r1": "qwen2-fixture" },
      healthCheck: false,
    });
    await engine.waitReady();
    const events = await collect(
      engine.chat(ask({ model: "deepseek-r1", maxTokens: 4 }), new AbortController().signal),
    );
    expect(finish(events).type).toBe("finish");
  });
});
