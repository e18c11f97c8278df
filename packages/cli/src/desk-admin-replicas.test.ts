import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callJson, type Json } from "@seekdesk/assistant/service/testing/json-call.ts";
import { parseConfig } from "@seekdesk/core";
import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { Gateway, NoModels } from "@seekdesk/gateway";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPlugins } from "./serve-plugins.ts";

/**
 * Two replicas of `seekdesk serve` (the plugins of serve-plugins.ts on real gateways, real HTTP on
 * loopback) on one Postgres, each with its own data dir, as the Helm chart runs them (an emptyDir
 * per pod): what an admin changes through one must be what the other serves, and must outlive a
 * pod whose data dir is gone.
 */
const root = mkdtempSync(join(tmpdir(), "seekdesk-admin-replicas-"));
let pg: TestPostgres;
let url: string;
let a: Replica;
let b: Replica;
let cookie: string;

interface Replica {
  url: string;
  stop(): Promise<void>;
}

async function start(name: string): Promise<Replica> {
  const config = parseConfig({
    dataDir: join(root, name),
    server: { port: 0, grpcPort: null },
    store: { driver: "postgres", url },
  });
  const gateway = new Gateway({
    config,
    engine: new NoModels(),
    plugins: await defaultPlugins(config),
    logger: pino({ level: process.env.SEEKDESK_TEST_LOGS ? "debug" : "silent" }),
  });
  const { url: at } = await gateway.listen();
  return { url: at, stop: () => gateway.shutdown() };
}

beforeAll(async () => {
  pg = await startTestPostgres();
  url = await pg.createDatabase("desk_admin_replicas");
  a = await start("a");
  b = await start("b");
  // A fresh install is open until its first account exists; sessions are shared by the replicas.
  const first = await call(a, "POST", "/api/admin/users", {
    username: "ada",
    password: "ada-password-1",
    role: "admin",
  });
  expect(first.status).toBe(201);
  const res = await fetch(`${a.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "ada", password: "ada-password-1" }),
  });
  expect(res.status).toBe(200);
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
}, 120_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

const call = (r: Replica, method: string, path: string, body?: unknown, withCookie = false) =>
  callJson(r.url, method, path, body, withCookie ? { cookie } : {});

async function ask(r: Replica, text: string): Promise<{ conversation: string; reply: Json; handoff: Json }> {
  const conversation = (await call(r, "POST", "/api/conversations", { userId: "shopper" })).json.id as string;
  const sent = await call(r, "POST", `/api/conversations/${conversation}/messages`, { text });
  expect(sent.status).toBe(201);
  return { conversation, reply: sent.json.replies[0], handoff: sent.json.handoff };
}

/** Polls `probe` until it holds; the other replica applies an edit when it hears of it. */

const ZORBLAX = "my zorblax stopped working";
const sureOfWarranty = (meta: Json): boolean => meta.intent === "warranty" && meta.confidence >= 0.6;
const ZORBLAX_LINES = [
  "zorblax",
  "is my zorblax covered",
  "the zorblax broke",
  "zorblax repair",
  "zorblax stopped",
];

describe("desk admin on two replicas sharing Postgres", () => {
  it("shows examples edited on one replica on the other, and a retraining on one retrains the other", async () => {
    expect(sureOfWarranty((await ask(b, ZORBLAX)).reply.meta)).toBe(false);
    for (const text of ZORBLAX_LINES) {
      const added = await call(a, "POST", "/api/admin/intents/warranty/examples", { text }, true);
      expect(added.status).toBe(201);
    }
    const removed = await call(
      b,
      "DELETE",
      "/api/admin/intents/warranty/examples",
      { text: "is this covered by warranty" },
      true,
    );
    expect(removed.status).toBe(200);
    for (const r of [a, b]) {
      const warranty = (await call(r, "GET", "/api/admin/intents", undefined, true)).json.data.find(
        (i: Json) => i.name === "warranty",
      );
      expect(warranty.added).toEqual(ZORBLAX_LINES);
      expect(warranty.removed).toEqual(["is this covered by warranty"]);
    }
    // Adding on B what A added is a no-op, as on one server.
    const again = await call(b, "POST", "/api/admin/intents/warranty/examples", { text: "zorblax" }, true);
    expect(again.json.added).toBe(false);

    const trained = await call(a, "POST", "/api/admin/intents/train", {}, true);
    expect(trained.status).toBe(200);
    expect(sureOfWarranty((await ask(a, ZORBLAX)).reply.meta)).toBe(true);
    // B retrains on a worker when it hears of A's retraining (seconds of CPU), then answers alike.
    await eventually("B retrained", async () => sureOfWarranty((await ask(b, ZORBLAX)).reply.meta), 60_000);
  }, 120_000);

  it("applies settings saved on one replica to the other's next turns", async () => {
    const saved = await call(
      a,
      "PUT",
      "/api/admin/settings",
      { handoffThreshold: 0.95, handoffPhrases: ["duty manager"] },
      true,
    );
    expect(saved.status).toBe(200);
    const asked = Date.now();
    await eventually(
      "B's settings",
      async () =>
        (await call(b, "GET", "/api/admin/settings", undefined, true)).json.handoffThreshold === 0.95,
      5000,
    );
    const waited = Date.now() - asked;
    expect(waited).toBeLessThan(5000);
    expect((await call(b, "GET", "/api/admin/settings", undefined, true)).json).toMatchObject({
      handoffThreshold: 0.95,
      handoffPhrases: ["duty manager"],
      windowTurns: 8,
    });
    // What B serves follows: the phrase saved on A hands B's customer to a person.
    expect((await ask(b, "Could I talk to the Duty Manager")).reply.meta.handoff.reason).toBe("user_request");
    // And back the other way.
    await call(b, "PUT", "/api/admin/settings", { handoffPhrases: ["night manager"] }, true);
    await eventually(
      "A's settings",
      async () =>
        (await call(a, "GET", "/api/admin/settings", undefined, true)).json.handoffPhrases[0] ===
        "night manager",
      5000,
    );
    expect((await ask(a, "put me through to the night manager")).reply.meta.handoff.reason).toBe(
      "user_request",
    );
  }, 60_000);

  it("counts ratings and intent verdicts given through either replica in both replicas' analytics", async () => {
    const one = await ask(a, "how much is shipping");
    const two = await ask(b, "where is my order");
    expect(
      (await call(a, "POST", `/api/conversations/${one.conversation}/rating`, { rating: 2 })).status,
    ).toBe(200);
    expect(
      (await call(b, "POST", `/api/conversations/${two.conversation}/rating`, { rating: 5 })).status,
    ).toBe(200);
    const verdict = (conversationId: string, correct: boolean) => ({ conversationId, seq: 1, correct });
    expect(
      (await call(b, "POST", "/api/agent/feedback/intent", verdict(one.conversation, true), true)).status,
    ).toBe(200);
    expect(
      (await call(a, "POST", "/api/agent/feedback/intent", verdict(two.conversation, false), true)).status,
    ).toBe(200);
    for (const r of [a, b]) {
      const totals = (await call(r, "GET", "/api/analytics?days=1", undefined, true)).json.totals;
      expect(totals).toMatchObject({ satisfaction: 3.5, intentAccuracy: 0.5 });
    }
  }, 60_000);

  it("keeps all of it for a replica that starts on an empty data dir (a new pod)", async () => {
    await b.stop();
    rmSync(join(root, "b"), { recursive: true, force: true });
    b = await start("b");
    expect((await call(b, "GET", "/api/admin/settings", undefined, true)).json).toMatchObject({
      handoffThreshold: 0.95,
      handoffPhrases: ["night manager"],
    });
    const warranty = (await call(b, "GET", "/api/admin/intents", undefined, true)).json.data.find(
      (i: Json) => i.name === "warranty",
    );
    expect(warranty.added).toEqual(ZORBLAX_LINES);
    // Start-up trained on the examples as edited.
    expect(sureOfWarranty((await ask(b, ZORBLAX)).reply.meta)).toBe(true);
    expect((await call(b, "GET", "/api/analytics?days=1", undefined, true)).json.totals.satisfaction).toBe(
      3.5,
    );
  }, 120_000);
});
