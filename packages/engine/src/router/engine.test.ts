import type { Backend, BackendHealth, ChatEvent, ChatRequest } from "@seekdesk/core";
import { NotFoundError, RateLimitError, UpstreamError } from "@seekdesk/core";
import { seededRandom } from "@seekdesk/core/random.ts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpenAICompatibleBackend } from "../openai/openai-backend.ts";
import { type LoopbackUpstream, startLoopbackUpstream } from "../testing/loopback-upstream.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { Engine } from "./engine.ts";
import type { EngineObserver, RequestEnd } from "./observer.ts";

const req = (model = "ds"): ChatRequest => ({ model, messages: [{ role: "user", content: "hi" }] });

async function text(it: AsyncIterable<ChatEvent>): Promise<string> {
  let s = "";
  for await (const e of it) if (e.type === "text") s += e.text;
  return s;
}

function remote(name: string, up: LoopbackUpstream, firstTokenMs = 250): OpenAICompatibleBackend {
  return new OpenAICompatibleBackend({
    name,
    baseUrl: up.url,
    models: ["ds"],
    timeouts: { firstTokenMs, totalMs: 5_000 },
  });
}

/** An in-process backend that answers with its own name: a real Backend, for routing arithmetic. */
class NamedBackend implements Backend {
  readonly kind = "named";
  readonly models = ["ds"];
  constructor(readonly name: string) {}
  async *chat(): AsyncGenerator<ChatEvent> {
    yield { type: "text", text: this.name };
    yield { type: "finish", reason: "stop", usage: { promptTokens: 1, completionTokens: 1 } };
  }
  async health(): Promise<BackendHealth> {
    return { ok: true, ready: true };
  }
  async close(): Promise<void> {}
}

describe("CircuitBreaker", () => {
  it("opens after the threshold, lets one trial through after the cooldown, and closes on success", () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000, now: () => now });
    b.failure();
    expect(b.state).toBe("closed");
    b.failure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    now = 1_000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(false);
    b.failure();
    expect(b.state).toBe("open");
    now = 2_000;
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
  });
});

describe("Engine routing over loopback upstreams", () => {
  let a: LoopbackUpstream;
  let b: LoopbackUpstream;
  const ends: RequestEnd[] = [];
  const failovers: string[] = [];
  const observer: EngineObserver = {
    onRequestEnd: (e) => ends.push(e),
    onFailover: (f) => failovers.push(`${f.from}->${f.to}`),
  };

  beforeAll(async () => {
    a = await startLoopbackUpstream();
    b = await startLoopbackUpstream();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });
  beforeEach(() => {
    a.setBehaviour({ kind: "ok", text: ["from a"] });
    b.setBehaviour({ kind: "ok", text: ["from b"] });
    ends.length = 0;
    failovers.length = 0;
  });

  /** `a` always first: its weight dwarfs b's under any random draw but 0. */
  const engineAB = (extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}) =>
    new Engine({
      backends: [
        { backend: remote("a", a), weight: 1e9 },
        { backend: remote("b", b), weight: 1e-9 },
      ],
      healthCheck: false,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      observer,
      random: () => 0.5,
      ...extra,
    });

  it("resolves aliases, lists models, and answers 404 model_not_found for unknown names", async () => {
    const engine = engineAB({ aliases: { "deepseek-chat": "ds" } });
    expect(await text(engine.chat(req("deepseek-chat"), new AbortController().signal))).toBe("from a");
    expect(engine.listModels().map((m) => m.id)).toEqual(["ds", "deepseek-chat"]);
    const err = (() => {
      try {
        engine.chat(req("gpt-5"), new AbortController().signal);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe("model_not_found");
    await engine.close();
  });

  it("reports start, first token, tokens and end to the observer", async () => {
    const seen: string[] = [];
    const engine = engineAB({
      observer: {
        onRequestStart: (i) => seen.push(`start:${i.model}:${i.kind}`),
        onFirstToken: (i) => seen.push(`first:${i.backend}:${i.latencyMs >= 0}`),
        onTokens: (i) => seen.push(`tokens:${i.promptTokens}:${i.completionTokens}`),
        onRequestEnd: (e) => seen.push(`end:${e.backend}:${e.outcome}:${e.usage?.completionTokens}`),
      },
    });
    a.setBehaviour({ kind: "ok", text: ["x", "y", "z"] });
    await text(engine.chat({ ...req(), requestId: "r1" }, new AbortController().signal));
    expect(seen).toEqual(["start:ds:chat", "first:a:true", "tokens:7:3", "end:a:ok:3"]);
    await engine.close();
  });

  it("fails over from a 500 and from a stalled upstream to the next backend", async () => {
    const engine = engineAB();
    a.setBehaviour({ kind: "status", status: 500 });
    expect(await text(engine.chat(req(), new AbortController().signal))).toBe("from b");
    a.setBehaviour({ kind: "headers-then-stall" });
    expect(await text(engine.chat(req(), new AbortController().signal))).toBe("from b");
    a.setBehaviour({ kind: "garbage" });
    expect(await text(engine.chat(req(), new AbortController().signal))).toBe("from b");
    expect(failovers).toEqual(["a->b", "a->b", "a->b"]);
    expect(ends.map((e) => [e.backend, e.outcome])).toEqual([
      ["b", "ok"],
      ["b", "ok"],
      ["b", "ok"],
    ]);
    await engine.close();
  });

  it("never retries once the stream has started", async () => {
    const engine = engineAB();
    a.setBehaviour({ kind: "cut-mid-stream" });
    const bHits = b.hits.length;
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of engine.chat(req(), new AbortController().signal))
        if (e.type === "text") seen.push(e.text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["partial"]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(b.hits.length).toBe(bHits);
    await engine.close();
  });

  it("retries with backoff on the same backend when it is the only one", async () => {
    const engine = new Engine({
      backends: [remote("a", a)],
      healthCheck: false,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    a.setBehaviour({ kind: "status", status: 502 });
    const hits = a.hits.length;
    await expect(text(engine.chat(req(), new AbortController().signal))).rejects.toBeInstanceOf(
      UpstreamError,
    );
    expect(a.hits.length - hits).toBe(3);
    await engine.close();
  });

  it("opens the circuit after repeated failures, skips the backend, then recovers through half-open", async () => {
    let now = 0;
    const engine = engineAB({ breaker: { failureThreshold: 2, cooldownMs: 10_000, now: () => now } });
    a.setBehaviour({ kind: "status", status: 503 });
    await text(engine.chat(req(), new AbortController().signal));
    await text(engine.chat(req(), new AbortController().signal));
    expect(engine.breakerState("a")).toBe("open");
    const aHits = a.hits.length;
    expect(await text(engine.chat(req(), new AbortController().signal))).toBe("from b");
    expect(a.hits.length).toBe(aHits);
    a.setBehaviour({ kind: "ok", text: ["from a"] });
    now = 10_000;
    expect(await text(engine.chat(req(), new AbortController().signal))).toBe("from a");
    expect(engine.breakerState("a")).toBe("closed");
    await engine.close();
  });

  it("answers 429 when every backend is rate limited, with the soonest Retry-After", async () => {
    const engine = engineAB();
    a.setBehaviour({ kind: "status", status: 429, headers: { "retry-after": "9" } });
    b.setBehaviour({ kind: "status", status: 429, headers: { "retry-after": "4" } });
    const err = await text(engine.chat(req(), new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterSeconds).toBe(4);
    expect(engine.breakerState("a")).toBe("closed");
    // Each busy backend is asked once per request, not again after a backoff.
    expect(failovers).toEqual(["a->b"]);
    await engine.close();
  });

  it("refuses with 429 when the model's queue is full", async () => {
    const engine = engineAB({ limits: { ds: { maxConcurrent: 1, maxQueue: 0 } } });
    a.setBehaviour({ kind: "headers-then-stall" });
    b.setBehaviour({ kind: "headers-then-stall" });
    const ctl = new AbortController();
    const first = text(engine.chat(req(), ctl.signal)).catch((e: unknown) => e);
    await expect.poll(() => engine.stats().find((s) => s.backend === "engine")?.activeSequences).toBe(1);
    await expect(text(engine.chat(req(), new AbortController().signal))).rejects.toBeInstanceOf(
      RateLimitError,
    );
    ctl.abort();
    expect(((await first) as Error).name).toBe("AbortError");
    expect(engine.stats().find((s) => s.backend === "engine")?.activeSequences).toBe(0);
    expect(ends.at(-1)?.outcome).toBe("aborted");
    expect(engine.breakerState("a")).toBe("closed");
    await engine.close();
  });

  it("routes completions and embeddings with the same failover", async () => {
    const engine = engineAB();
    a.setBehaviour({ kind: "status", status: 500 });
    b.setBehaviour({ kind: "ok", text: ["c", "d"] });
    expect(await text(engine.complete({ model: "ds", prompt: "x" }, new AbortController().signal))).toBe(
      "cd",
    );
    const r = await engine.embed({ model: "ds", input: ["abcd"] }, new AbortController().signal);
    expect(r).toEqual({ vectors: [[4, 1, 0]], promptTokens: 1 });
    expect(failovers).toEqual(["a->b", "a->b"]);
    await engine.close();
  });

  it("checks health actively and reports readiness per model", async () => {
    const dead = await startLoopbackUpstream({ kind: "status", status: 503 });
    const health: string[] = [];
    const engine = new Engine({
      backends: [remote("dead", dead), remote("b", b)],
      healthCheck: { intervalMs: 20, timeoutMs: 1_000 },
      observer: { onHealthChange: (h) => health.push(`${h.backend}:${h.ok}`) },
    });
    await expect.poll(() => health.sort()).toEqual(["b:true", "dead:false"]);
    expect(await engine.ready()).toBe(true);
    await engine.close();
    await dead.close();
  });
});

describe("Engine weighted choice", () => {
  it("splits traffic by weight", async () => {
    const engine = new Engine({
      backends: [
        { backend: new NamedBackend("heavy"), weight: 3 },
        { backend: new NamedBackend("light"), weight: 1 },
      ],
      healthCheck: false,
      random: seededRandom(42),
    });
    const counts: Record<string, number> = { heavy: 0, light: 0 };
    for (let i = 0; i < 2_000; i++) counts[await text(engine.chat(req(), new AbortController().signal))]++;
    expect(counts.heavy / 2_000).toBeGreaterThan(0.7);
    expect(counts.heavy / 2_000).toBeLessThan(0.8);
    await engine.close();
  });
});
