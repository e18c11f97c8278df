import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GatewayPlugin } from "./plugin.ts";
import { metricValue } from "./testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

const echoPlugin: GatewayPlugin = {
  name: "echo",
  register(app, ctx) {
    app.post("/v1/echo", ctx.auth.requireAuth(), async (c) => {
      const body = await ctx.readJson(c, z.object({ text: z.string().max(10) }));
      return c.json({ text: body.text, caller: c.get("principal").kind, dataDir: ctx.dataDir });
    });
    // A pass-through catch-all, as a static-file plugin registers: it must not take over metric labels.
    app.use("*", async (_c, next) => {
      await next();
    });
  },
};

let gw: TempGateway;
beforeAll(async () => {
  gw = await startTempGateway({ plugins: [echoPlugin], config: { server: { bodyLimit: 1024 } } });
});
afterAll(() => gw.stop());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(gw.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("gateway without models (the embedded default)", () => {
  it("answers liveness, readiness and an empty model list", async () => {
    expect(await (await fetch(`${gw.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await (await fetch(`${gw.url}/v1/models`)).json()).toEqual({ object: "list", data: [] });
  });

  it("says clearly that no model is configured", async () => {
    const res = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "deepseek-chat", messages: [{ role: "user", content: "hi" }] }),
    );
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "model_not_found", param: "model", type: "not_found_error" });
    expect(body.error.message).toMatch(/no models configured/);
  });

  it("maps malformed JSON, wrong types, oversized bodies and unknown routes to OpenAI errors", async () => {
    const bad = await post("/v1/chat/completions", '{"model": "x", "messages": [');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_json",
      param: null,
    });

    const wrong = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "x", messages: [{ role: "user", content: "hi" }], temperature: "hot" }),
    );
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toMatchObject({
      param: "temperature",
      message: "Invalid 'temperature': expected a number",
    });

    const big = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "x", messages: [{ role: "user", content: "x".repeat(4096) }] }),
    );
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("payload_too_large");

    // Without Content-Length (chunked upload) the limit is enforced while reading.
    const chunks = [
      new TextEncoder().encode(`{"model":"x","messages":[{"role":"user","content":"${"y".repeat(3000)}`),
      new TextEncoder().encode('"}]}'),
    ];
    const chunked = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);

    const none = await fetch(`${gw.url}/v2/nothing`);
    expect(none.status).toBe(404);
    expect((await none.json()).error.code).toBe("route_not_found");
  });

  it("mounts plugin routes with the shared body validation and auth", async () => {
    const ok = await post("/v1/echo", JSON.stringify({ text: "hello" }));
    expect(await ok.json()).toEqual({ text: "hello", caller: "anonymous", dataDir: gw.dataDir });
    const bad = await post("/v1/echo", JSON.stringify({ text: "far too long for this" }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("text");
  });

  it("echoes a client's X-Request-Id and makes one up otherwise", async () => {
    const mine = await fetch(`${gw.url}/health`, { headers: { "x-request-id": "trace-42" } });
    expect(mine.headers.get("x-request-id")).toBe("trace-42");
    const made = await fetch(`${gw.url}/health`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(
      metricValue(text, "seekdesk_requests_total", { route: "/health", status: "200" }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      metricValue(text, "seekdesk_requests_total", { route: "other", status: "404" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("answers CORS preflights for configured origins only", async () => {
    const withCors = await startTempGateway({ config: { server: { cors: ["https://shop.example"] } } });
    try {
      const pre = await fetch(`${withCors.url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      const other = await fetch(`${withCors.url}/health`, { headers: { origin: "https://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await withCors.stop();
    }
    expect(
      (await fetch(`${gw.url}/health`, { headers: { origin: "https://shop.example" } })).headers.get(
        "access-control-allow-origin",
      ),
    ).toBeNull();
  });

  it("says in one line when the port is taken", async () => {
    const port = Number(new URL(gw.url).port);
    await expect(startTempGateway({ config: { server: { port, grpcPort: null } } })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --port)`,
    );
    // grpc-js's own line about the same failure goes to the structured log, not bare to stderr.
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    await expect(
      startTempGateway({ config: { server: { grpcPort: gw.listening.grpcPort } }, logger }),
    ).rejects.toThrow(
      /^cannot listen for gRPC on 127.0.0.1:\d+: the port is in use \(choose another with --grpc-port, or "off"\)$/,
    );
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        component: "grpc-js",
        msg: expect.stringMatching(/No address added/),
      }),
    );
  });
});
