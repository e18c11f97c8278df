import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { conversationPlugin } from "@seekdesk/assistant/service/http-plugin.ts";
import { callJson, type JsonAnswer } from "@seekdesk/assistant/service/testing/json-call.ts";
import type { Assistant } from "@seekdesk/assistant/types.ts";
import { parseConfig } from "@seekdesk/core";
import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { Gateway, type GatewayPlugin, NoModels } from "@seekdesk/gateway";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPlugins } from "./serve-plugins.ts";
import { firstAdminSession } from "./testing/first-admin.ts";

/**
 * `seekdesk serve` on a real Postgres that cannot answer: its one pool exhausted past
 * store.acquireTimeoutMs, or the server stopped (before a request, or in the middle of a turn).
 * Every route that needs the store (the OpenAI API's key lookup, the conversation API, the
 * console) answers 503 with Retry-After and an OpenAI-style error, and a customer message resent
 * with its idempotency key once Postgres is back is stored and answered exactly once.
 */
const ACQUIRE_MS = 400;
const root = mkdtempSync(join(tmpdir(), "seekdesk-pg-unavailable-"));
let server: TestPostgres;
let url: string;
const gateways: Gateway[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("store_unavailable");
}, 60_000);
afterAll(async () => {
  for (const g of gateways) await g.shutdown();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function start(
  name: string,
  plugins: (config: ReturnType<typeof parseConfig>) => Promise<GatewayPlugin[]>,
  database = url,
): Promise<{ url: string; gateway: Gateway; logs: Record<string, unknown>[] }> {
  const config = parseConfig({
    dataDir: join(root, name),
    server: { port: 0, grpcPort: null },
    store: {
      driver: "postgres",
      url: database,
      poolSize: 1,
      acquireTimeoutMs: ACQUIRE_MS,
      keyCacheTtlMs: 600_000,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const gateway = new Gateway({
    config,
    engine: new NoModels(),
    plugins: await plugins(config),
    logger: pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
  });
  gateways.push(gateway);
  return { url: (await gateway.listen()).url, gateway, logs };
}

async function timed(call: Promise<JsonAnswer>): Promise<JsonAnswer & { ms: number }> {
  const started = performance.now();
  const answer = await call;
  return { ...answer, ms: performance.now() - started };
}

function expectStoreUnavailable(a: JsonAnswer, code: string, retryAfter: string): void {
  expect(a.status).toBe(503);
  expect(a.headers.get("retry-after")).toBe(retryAfter);
  expect(a.json.error).toMatchObject({ type: "unavailable_error", code, param: null });
  // The client learns to retry, not the driver's words (no "ECONNREFUSED 127.0.0.1:port").
  expect(a.json.error.message).toMatch(/temporarily unavailable|unavailable; retry/);
  expect(a.json.error.message).not.toMatch(/ECONN|timeout exceeded|terminat/);
}

describe("seekdesk serve when Postgres cannot answer", () => {
  let a: Awaited<ReturnType<typeof start>>;
  let cookie: Record<string, string>;
  let bearer: Record<string, string>;
  let unusedKey: string;
  let conversationId: string;
  const userMessages = async (key: string) =>
    (
      await callJson(a.url, "GET", `/api/conversations/${conversationId}/messages`, undefined, bearer)
    ).json.data.filter(
      (m: { role: string; idempotencyKey: string | null }) => m.role === "user" && m.idempotencyKey === key,
    );

  beforeAll(async () => {
    a = await start("serve", defaultPlugins);
    cookie = await firstAdminSession(a.url);
    bearer = {
      authorization: `Bearer ${(await callJson(a.url, "POST", "/api/admin/keys", { name: "shop" }, cookie)).json.key}`,
    };
    unusedKey = (await callJson(a.url, "POST", "/api/admin/keys", { name: "unused" }, cookie)).json.key;
    const conv = await callJson(a.url, "POST", "/api/conversations", { userId: "u-outage" }, bearer);
    expect(conv.status).toBe(201);
    conversationId = conv.json.id;
  });

  it("answers 503 with Retry-After within store.acquireTimeoutMs while the pool's only connection is held, and serves the same requests once it is free", async () => {
    const held = await a.gateway.postgres?.pool.connect();
    if (!held) throw new Error("no Postgres pool");
    let answers: (JsonAnswer & { ms: number })[];
    try {
      await held.query("BEGIN");
      await held.query("SELECT pg_sleep(0.1)");
      answers = [
        // The OpenAI API, with a key this replica has not looked up yet.
        await timed(
          callJson(a.url, "GET", "/v1/models", undefined, { authorization: `Bearer ${unusedKey}` }),
        ),
        await timed(
          callJson(
            a.url,
            "POST",
            `/api/conversations/${conversationId}/messages`,
            { text: "where is my order", idempotencyKey: "pool-1" },
            bearer,
          ),
        ),
        await timed(callJson(a.url, "GET", "/api/admin/keys", undefined, cookie)),
      ];
    } finally {
      await held.query("ROLLBACK");
      held.release();
    }
    expectStoreUnavailable(answers[0], "key_store_unavailable", "1");
    expectStoreUnavailable(answers[1], "store_unavailable", "1");
    expectStoreUnavailable(answers[2], "store_unavailable", "1");
    for (const answer of answers) {
      expect(answer.ms).toBeGreaterThanOrEqual(ACQUIRE_MS - 10);
      expect(answer.ms).toBeLessThan(ACQUIRE_MS + 1500);
    }
    console.log(
      `503 after ${answers.map((x) => Math.round(x.ms)).join(", ")} ms (store.acquireTimeoutMs ${ACQUIRE_MS})`,
    );

    expect(
      (await callJson(a.url, "GET", "/v1/models", undefined, { authorization: `Bearer ${unusedKey}` }))
        .status,
    ).toBe(200);
    const sent = await callJson(
      a.url,
      "POST",
      `/api/conversations/${conversationId}/messages`,
      { text: "where is my order", idempotencyKey: "pool-1" },
      bearer,
    );
    expect(sent.status).toBe(201);
    expect(sent.json.replies).toHaveLength(1);
    expect(await userMessages("pool-1")).toHaveLength(1);
    expect((await callJson(a.url, "GET", "/api/admin/keys", undefined, cookie)).status).toBe(200);

    const refused = a.logs.filter((l) => l.msg === "request refused: the store is unavailable");
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({
      level: 40,
      reason: "pool_timeout",
      cause: "timeout exceeded when trying to connect",
    });
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^seekdesk_store_unavailable_total\{reason="pool_timeout"\} 3$/m);
  });

  it("answers 503 at once while Postgres is stopped, and stores a message resent with the same idempotency key exactly once after it is back", async () => {
    await server.halt();
    let answers: JsonAnswer[];
    try {
      answers = [
        await callJson(
          a.url,
          "POST",
          `/api/conversations/${conversationId}/messages`,
          { text: "how much is shipping", idempotencyKey: "down-1" },
          bearer,
        ),
        await callJson(a.url, "GET", "/v1/models", undefined, { authorization: `Bearer ${unusedKey}x` }),
        await callJson(a.url, "GET", "/api/admin/settings", undefined, cookie),
        await callJson(a.url, "POST", "/api/auth/login", { username: "ada", password: "ada-password-1" }),
      ];
    } finally {
      await server.restart();
    }
    // The key cache is dropped when the LISTEN connection is lost, so even a key used before is looked up.
    expect(answers[0].status).toBe(503);
    expectStoreUnavailable(answers[0], answers[0].json.error.code, "5");
    expect(answers[0].json.error.code).toMatch(/^(key_)?store_unavailable$/);
    expectStoreUnavailable(answers[1], "key_store_unavailable", "5");
    expectStoreUnavailable(answers[2], "store_unavailable", "5");
    expectStoreUnavailable(answers[3], "store_unavailable", "5");
    expect(a.logs.some((l) => l.msg === "sign-in throttled")).toBe(false);

    const resent = await eventually(
      "the message accepted after the restart",
      async () => {
        const r = await callJson(
          a.url,
          "POST",
          `/api/conversations/${conversationId}/messages`,
          { text: "how much is shipping", idempotencyKey: "down-1" },
          bearer,
        );
        return r.status === 503 ? null : r;
      },
      10_000,
    );
    expect(resent.status).toBe(201);
    expect(resent.json.replies).toHaveLength(1);
    const again = await callJson(
      a.url,
      "POST",
      `/api/conversations/${conversationId}/messages`,
      { text: "how much is shipping", idempotencyKey: "down-1" },
      bearer,
    );
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect(await userMessages("down-1")).toHaveLength(1);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^seekdesk_store_unavailable_total\{reason="unreachable"\} [1-9]\d*$/m);
  });
});

describe("a turn whose store goes away after the customer's message was stored", () => {
  it("answers 503, and the resend with the same idempotency key finishes that turn: one message, one reply", async () => {
    const embedded = createEmbeddedAssistant().assistant;
    let haltOnce = true;
    // The real assistant; the fault (Postgres stopping) is real too, only timed to hit mid-turn.
    const assistant: Assistant = Object.assign(Object.create(embedded), {
      turn: async (...args: Parameters<Assistant["turn"]>) => {
        if (haltOnce) {
          haltOnce = false;
          await server.halt();
        }
        return embedded.turn(...args);
      },
    });
    // A database of its own: no API keys there, so the loopback caller needs none.
    const b = await start(
      "midturn",
      async () => [conversationPlugin({ assistant: async () => assistant })],
      await server.createDatabase("midturn"),
    );
    const conv = await callJson(b.url, "POST", "/api/conversations", { userId: "u-midturn" });
    const body = { text: "where is my order", idempotencyKey: "mid-1" };
    let first: JsonAnswer;
    try {
      first = await callJson(b.url, "POST", `/api/conversations/${conv.json.id}/messages`, body);
    } finally {
      if (!haltOnce) await server.restart();
    }
    expect(haltOnce).toBe(false);
    expectStoreUnavailable(first, "store_unavailable", "5");

    const resent = await eventually(
      "the resend accepted after the restart",
      async () => {
        const r = await callJson(b.url, "POST", `/api/conversations/${conv.json.id}/messages`, body);
        return r.status === 503 ? null : r;
      },
      10_000,
    );
    // The message was stored by the first attempt: the resend is its duplicate, and gets the reply.
    expect(resent.status).toBe(200);
    expect(resent.json).toMatchObject({ duplicate: true, message: { seq: 1 } });
    expect(resent.json.replies).toHaveLength(1);
    const all = await callJson(b.url, "GET", `/api/conversations/${conv.json.id}/messages`);
    expect(all.json.data.map((m: { seq: number; role: string }) => [m.seq, m.role])).toEqual([
      [1, "user"],
      [2, "bot"],
    ]);
  });
});
