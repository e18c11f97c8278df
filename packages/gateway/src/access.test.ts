import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { startLoopbackUpstream } from "@seekdesk/engine/testing/loopback-upstream.ts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineAdapter } from "./engine-adapter.ts";
import { type DripUpstream, startDripUpstream } from "./testing/drip-upstream.ts";
import { metricValue } from "./testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

let fast: DripUpstream;
let slow: DripUpstream;
let gw: TempGateway;

beforeAll(async () => {
  fast = await startDripUpstream({ tokens: 3 });
  slow = await startDripUpstream({ tokens: 100_000, intervalMs: 2 });
  const engine = new Engine({
    backends: [
      new OpenAICompatibleBackend({ name: "fast", baseUrl: fast.url, models: ["fixed"] }),
      new OpenAICompatibleBackend({ name: "slow", baseUrl: slow.url, models: ["slow"] }),
    ],
    limits: { slow: { maxConcurrent: 1, maxQueue: 1 } },
    healthCheck: false,
  });
  gw = await startTempGateway({ engine: new EngineAdapter(engine) });
});
afterAll(async () => {
  await gw.stop();
  await fast.close();
  await slow.close();
});

const chat = (model: string, key?: string, signal?: AbortSignal, stream = false) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream }),
    signal,
  });

describe("overload", () => {
  it("answers 429 with Retry-After when a model's queue is full, and keeps serving", async () => {
    const aborts = [new AbortController(), new AbortController()];
    // One request takes the only slot, the next one waits in the only queue place.
    const running = await chat("slow", undefined, aborts[0].signal, true);
    expect(running.status).toBe(200);
    const waiting = chat("slow", undefined, aborts[1].signal, true).catch((e: Error) => e);
    await vi.waitFor(async () => {
      expect(
        metricValue(await (await fetch(`${gw.url}/metrics`)).text(), "seekdesk_queue_depth", {
          model: "slow",
        }),
      ).toBe(1);
    });
    const refused = await chat("slow");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error).toMatchObject({ type: "rate_limit_error", code: "queue_full" });
    for (const a of aborts) a.abort();
    await waiting;
    const ok = await chat("fixed");
    expect(ok.status).toBe(200);
    expect(
      metricValue(await (await fetch(`${gw.url}/metrics`)).text(), "seekdesk_rate_limited_total", {
        reason: "queue_full",
      }),
    ).toBe(1);
  });
});

describe("API keys", () => {
  it("requires a key once one exists, rejects revoked keys, and limits requests per minute", async () => {
    expect((await chat("fixed")).status).toBe(200);
    const { key, record } = await gw.gateway.keys.create({ name: "ci", rpm: 2 });
    expect(key).toMatch(/^sk-sd-/);
    expect(JSON.stringify(await gw.gateway.keys.list())).not.toContain(key);

    const missing = await chat("fixed");
    expect(missing.status).toBe(401);
    expect((await missing.json()).error).toMatchObject({
      type: "authentication_error",
      code: "invalid_api_key",
    });
    expect((await chat("fixed", `${key}x`)).status).toBe(401);

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const r = await client.chat.completions.create({
        model: "fixed",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.choices[0].message.content).toBe("tok tok tok ");
    }
    const limited = await chat("fixed", key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error.code).toBe("requests_per_minute_exceeded");
    const spare = await gw.gateway.keys.create({ name: "headers", rpm: 5 });
    const first = await chat("fixed", spare.key);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("5");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("4");

    const other = await gw.gateway.keys.create({ name: "other" });
    expect((await chat("fixed", other.key)).status).toBe(200);
    await gw.gateway.keys.revoke(other.record.id);
    const revoked = await chat("fixed", other.key);
    expect(revoked.status).toBe(401);
    expect(record.rpm).toBe(2);
    // Liveness and metrics stay open for probes and scrapers.
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });

  it("limits tokens per minute after a request used them up", async () => {
    const { key } = await gw.gateway.keys.create({ name: "tokens", tpm: 8 });
    // The fixed upstream reports 5 prompt + 3 completion tokens: the first request uses the whole budget.
    expect((await chat("fixed", key)).status).toBe(200);
    const limited = await chat("fixed", key);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe("tokens_per_minute_exceeded");
  });

  it("counts each key's admitted requests and charged tokens on /metrics, by key id", async () => {
    const { key, record } = await gw.gateway.keys.create({ name: "metered", rpm: 2 });
    for (let i = 0; i < 3; i++) await chat("fixed", key);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    // Two admitted (the third was over rpm 2 and refused), each 5 prompt + 3 generated tokens.
    expect(metricValue(text, "seekdesk_key_requests_total", { key: record.id })).toBe(2);
    expect(metricValue(text, "seekdesk_key_tokens_total", { key: record.id })).toBe(16);
  });

  it("limits a key with a model list to those models (by id or alias), and lists only them", async () => {
    const { key, record } = await gw.gateway.keys.create({
      name: "fixed only",
      models: ["fixed", " fixed "],
    });
    expect(record.models).toEqual(["fixed"]);
    expect((await chat("fixed", key)).status).toBe(200);
    const refused = await chat("slow", key);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({
      type: "permission_error",
      code: "model_not_allowed",
      param: "model",
      message: "This API key may not use the model 'slow'",
    });
    const auth = { authorization: `Bearer ${key}` };
    const listed = await (await fetch(`${gw.url}/v1/models`, { headers: auth })).json();
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(["fixed"]);
    expect((await fetch(`${gw.url}/v1/models/slow`, { headers: auth })).status).toBe(404);
    // Unknown models are still 404, whatever the key may use.
    expect((await chat("nope", key)).status).toBe(404);
    // A key without a list sees every model.
    const all = await gw.gateway.keys.create({ name: "all models" });
    const every = await (
      await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${all.key}` } })
    ).json();
    expect(every.data.map((m: { id: string }) => m.id).sort()).toEqual(["fixed", "slow"]);
  });

  it("applies a key's changed limits and models from its next request, with the same secret", async () => {
    const { key, record } = await gw.gateway.keys.create({ name: "to change", rpm: 1, models: ["slow"] });
    expect((await chat("fixed", key)).status).toBe(403);
    const changed = await gw.gateway.keys.update(record.id, { rpm: 100, models: null });
    expect(changed).toMatchObject({ id: record.id, rpm: 100, models: null });
    expect((await chat("fixed", key)).status).toBe(200);
    expect((await chat("fixed", key)).status).toBe(200);
    await expect(gw.gateway.keys.update(record.id, { origins: ["not an origin"] })).rejects.toThrow(
      "'not an origin' is not an origin",
    );
    expect(await gw.gateway.keys.update("key_nope", { rpm: 5 })).toBeNull();
  });

  it("refuses a key from its expiry time on, as an unknown key, and refuses to make one already expired", async () => {
    // Two seconds of life: room for the first request on a loaded machine.
    const expiresAt = new Date(Date.now() + 2000);
    const { key, record } = await gw.gateway.keys.create({ name: "contractor", expiresAt });
    expect(record.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await chat("fixed", key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    const expired = await chat("fixed", key);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.code).toBe("invalid_api_key");
    await expect(
      gw.gateway.keys.create({ name: "late", expiresAt: new Date(Date.now() - 1000) }),
    ).rejects.toThrow("expiresAt must be in the future");
    expect((await gw.gateway.keys.list()).find((k) => k.id === record.id)?.expiresAt).toBe(record.expiresAt);
  });
});

describe("readiness", () => {
  it("/ready is 503 until the models are warm, /health is 200 throughout", async () => {
    const upstream = await startLoopbackUpstream({ kind: "status", status: 503 });
    const engine = new Engine({
      backends: [new OpenAICompatibleBackend({ name: "cold", baseUrl: upstream.url, models: ["cold"] })],
      healthCheck: false,
    });
    const cold = await startTempGateway({ engine: new EngineAdapter(engine) });
    try {
      const before = await fetch(`${cold.url}/ready`);
      expect(before.status).toBe(503);
      expect((await before.json()).status).toBe("starting");
      expect((await fetch(`${cold.url}/health`)).status).toBe(200);
      upstream.setBehaviour({ kind: "ok" });
      await vi.waitFor(async () => expect((await fetch(`${cold.url}/ready`)).status).toBe(200), {
        timeout: 5000,
      });
    } finally {
      await cold.stop();
      await upstream.close();
    }
  });
});
