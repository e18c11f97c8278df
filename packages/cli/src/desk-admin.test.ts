import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callJson, type Json } from "@seekdesk/assistant/service/testing/json-call.ts";
import { parseConfig } from "@seekdesk/core";
import { Gateway, NoModels } from "@seekdesk/gateway";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPlugins } from "./serve-plugins.ts";

/**
 * The console's admin and analytics API on the desk exactly as `seekdesk serve` wires it (the
 * plugins of serve-plugins.ts on a real gateway, real HTTP on loopback, SQLite in a temp dir),
 * restarted on the same data dir to check what survives.
 */
const root = mkdtempSync(join(tmpdir(), "seekdesk-admin-"));
const dataDir = join(root, "data");
let server: { url: string; stop(): Promise<void> };

async function start(): Promise<{ url: string; stop(): Promise<void> }> {
  const config = parseConfig({ dataDir, server: { port: 0, grpcPort: null } });
  const gateway = new Gateway({
    config,
    engine: new NoModels(),
    plugins: await defaultPlugins(config),
    logger: pino({ level: process.env.SEEKDESK_TEST_LOGS ? "debug" : "silent" }),
  });
  const { url } = await gateway.listen();
  return { url, stop: () => gateway.shutdown() };
}

beforeAll(async () => {
  server = await start();
});
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown, cookie?: string) =>
  callJson(server.url, method, path, body, cookie ? { cookie } : {});

async function login(username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-password-1` }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

/** A new conversation with one customer message; the bot's reply and the hand-off status. */
async function ask(text: string): Promise<{ conversation: string; reply: Json; handoff: Json }> {
  const conversation = (await call("POST", "/api/conversations", { userId: "shopper" })).json.id as string;
  const r = await call("POST", `/api/conversations/${conversation}/messages`, { text });
  expect(r.status).toBe(201);
  return { conversation, reply: r.json.replies[0], handoff: r.json.handoff };
}

const ZORBLAX = "my zorblax stopped working";
/**
 * Answered as a warranty question at the desk's default hand-off threshold. Before training on
 * "zorblax" the bot is not sure: its guess between warranty and a failed payment is a coin toss
 * that moves with the demo's examples, so the test checks the confidence, not the guess.
 */
const sureOfWarranty = (meta: Json): boolean => meta.intent === "warranty" && meta.confidence >= 0.6;
const HELP_WITH_DELIVERY = "can you help me with my delivery";

describe("analytics on the desk's conversations", () => {
  it("counts conversations, hand-offs, ratings, agents' intent verdicts and reply latency", async () => {
    const order = await ask("where is my order");
    const human = await ask("talk to a human");
    const shipping = await ask("how much is shipping");
    expect(human.handoff.status).toBe("waiting");
    for (const [c, rating] of [
      [order.conversation, 3],
      [shipping.conversation, 5],
    ] as const) {
      expect((await call("POST", `/api/conversations/${c}/rating`, { rating })).status).toBe(200);
    }
    for (const [c, correct] of [
      [order.conversation, true],
      [shipping.conversation, false],
    ] as const) {
      const verdict = { conversationId: c, seq: 1, correct };
      expect((await call("POST", "/api/agent/feedback/intent", verdict)).status).toBe(200);
    }

    const report = (await call("GET", "/api/analytics?days=1")).json;
    expect(report.totals).toEqual({
      conversations: 3,
      messages: 6,
      handoffs: 1,
      resolutionRate: 2 / 3,
      handoffRate: 1 / 3,
      intentAccuracy: 0.5,
      satisfaction: 4,
    });
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(report.daily.at(-1)).toMatchObject({ conversations: 3, handoffs: 1 });
    expect(report.topIntents).toEqual(
      expect.arrayContaining([
        { intent: "track_order", count: 1 },
        { intent: "human_agent", count: 1 },
        { intent: "shipping_fee", count: 1 },
      ]),
    );
  });
});

describe("console admin: intents and settings", () => {
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    // A fresh install is open until its first account exists; from then on everyone signs in.
    const first = await call("POST", "/api/admin/users", {
      username: "ada",
      password: "ada-password-1",
      role: "admin",
    });
    expect(first.status).toBe(201);
    admin = await login("ada");
    const second = await call(
      "POST",
      "/api/admin/users",
      { username: "vic", password: "vic-password-1", role: "viewer" },
      admin,
    );
    expect(second.status).toBe(201);
    viewer = await login("vic");
  });

  it("lets a viewer read intents and settings but not change them", async () => {
    const intents = await call("GET", "/api/admin/intents", undefined, viewer);
    expect(intents.status).toBe(200);
    expect(intents.json.data).toHaveLength(34);
    expect(intents.json.data.find((i: Json) => i.name === "track_order")).toMatchObject({
      reply: "action",
      added: [],
      removed: [],
    });
    expect(intents.json.data.find((i: Json) => i.name === "track_order").examples).toContain(
      "where is my order",
    );
    expect((await call("GET", "/api/admin/settings", undefined, viewer)).json).toEqual({
      handoffThreshold: 0.6,
      windowTurns: 8,
      maxLowConfidenceTurns: 2,
      negativeSentimentThreshold: -0.6,
      sensitiveIntents: [],
      handoffPhrases: [],
    });

    for (const [method, path, body] of [
      ["POST", "/api/admin/intents/warranty/examples", { text: "zorblax" }],
      ["DELETE", "/api/admin/intents/warranty/examples", { text: "how long is the warranty" }],
      ["POST", "/api/admin/intents/train", {}],
      ["PUT", "/api/admin/settings", { handoffThreshold: 0.9 }],
    ] as const) {
      const refused = await call(method, path, body, viewer);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.error.type).toBe("permission_error");
    }
    expect((await call("GET", "/api/admin/settings")).status).toBe(401);
    expect((await call("GET", "/api/admin/settings", undefined, viewer)).json.handoffThreshold).toBe(0.6);
  });

  it("refuses bad input with a 400 that names the field", async () => {
    const bad = async (body: unknown, param: string | null, message: RegExp) => {
      const r = await call("PUT", "/api/admin/settings", body, admin);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatchObject({ type: "invalid_request_error", param });
      expect(r.json.error.message).toMatch(message);
    };
    await bad({ handoffThreshold: 1.5 }, "handoffThreshold", /from 0 to 1/);
    await bad({ handoffThreshold: "high" }, "handoffThreshold", /from 0 to 1/);
    await bad({ windowTurns: 2.5 }, "windowTurns", /whole number/);
    await bad({ windowTurns: 64 }, "windowTurns", /1 to 40/);
    await bad({ maxLowConfidenceTurns: 0 }, "maxLowConfidenceTurns", /1 to 10/);
    await bad({ negativeSentimentThreshold: 0.5 }, "negativeSentimentThreshold", /-1 to 0/);
    await bad(
      { sensitiveIntents: ["refund_status", "refunds"] },
      "sensitiveIntents[1]",
      /unknown intent "refunds"/,
    );
    await bad({ handoffPhrases: [" "] }, "handoffPhrases[0]", /at least 2 characters/);
    await bad({ handofThreshold: 0.7 }, null, /handofThreshold/);

    const empty = await call("POST", "/api/admin/intents/warranty/examples", { text: "  " }, admin);
    expect(empty.status).toBe(400);
    expect(empty.json.error.param).toBe("text");
    const unknown = await call("POST", "/api/admin/intents/teleport/examples", { text: "beam me up" }, admin);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("intent_not_found");
    const conflict = await call(
      "POST",
      "/api/admin/intents/warranty/examples",
      { text: "where is my order" },
      admin,
    );
    expect(conflict.status).toBe(400);
    expect(conflict.json.error).toMatchObject({ code: "example_conflict", param: "text" });
    expect(conflict.json.error.message).toContain("track_order");
    const missing = await call(
      "DELETE",
      "/api/admin/intents/warranty/examples",
      { text: "not there" },
      admin,
    );
    expect(missing.status).toBe(404);
    // Nothing was changed by the refused requests.
    expect((await call("GET", "/api/admin/settings", undefined, admin)).json.handoffThreshold).toBe(0.6);
  });

  it("retrains on the edited examples, reports a held-out evaluation and swaps the live classifier", async () => {
    expect(sureOfWarranty((await ask(ZORBLAX)).reply.meta)).toBe(false);

    const lines = [
      "zorblax",
      "is my zorblax covered",
      "the zorblax broke",
      "zorblax repair",
      "zorblax stopped",
    ];
    for (const text of lines) {
      const r = await call("POST", "/api/admin/intents/warranty/examples", { text }, admin);
      expect(r.status).toBe(201);
      expect(r.json).toEqual({ intent: "warranty", text, added: true });
    }
    const again = await call("POST", "/api/admin/intents/warranty/examples", { text: " zorblax " }, admin);
    expect(again.status).toBe(200);
    expect(again.json.added).toBe(false);
    const removed = await call(
      "DELETE",
      "/api/admin/intents/warranty/examples",
      { text: "is this covered by warranty" },
      admin,
    );
    expect(removed.json).toEqual({ intent: "warranty", text: "is this covered by warranty", removed: true });
    const warranty = (await call("GET", "/api/admin/intents", undefined, admin)).json.data.find(
      (i: Json) => i.name === "warranty",
    );
    expect(warranty.added).toEqual(lines);
    expect(warranty.removed).toEqual(["is this covered by warranty"]);
    expect(warranty.examples).not.toContain("is this covered by warranty");
    // Edits wait for training: the bot still answers with the classifier it started with.
    expect(sureOfWarranty((await ask(ZORBLAX)).reply.meta)).toBe(false);

    // The desk keeps answering while the classifier trains on a worker thread.
    const training = call("POST", "/api/admin/intents/train", {}, admin);
    const during = await ask("how much is shipping");
    expect(during.reply.meta.intent).toBe("shipping_fee");
    const report = await training;
    expect(report.status).toBe(200);
    const r = report.json;
    expect(r.method).toBe("holdout");
    expect(r.labels).toEqual(expect.arrayContaining(["warranty", "track_order"]));
    expect(r.confusion).toHaveLength(r.labels.length);
    expect(r.confusion.every((row: number[]) => row.length === r.labels.length)).toBe(true);
    expect(r.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(r.held_out);
    expect(r.held_out).toBeGreaterThan(100);
    expect(r.accuracy).toBeGreaterThan(0.7);
    expect(r.macro_f1).toBeGreaterThan(0.6);
    expect(r.train_ms).toBeGreaterThan(0);

    expect(sureOfWarranty((await ask(ZORBLAX)).reply.meta)).toBe(true);
  });

  it("applies settings to the next turn: at threshold 1 a plain question goes to a person", async () => {
    const before = await ask(HELP_WITH_DELIVERY);
    expect(before.reply.meta.intent).toBe("schedule_delivery");
    expect(before.handoff.status).toBe("bot");
    // At the strictest threshold any turn short of certainty goes to a person (0.99 was used here
    // until retraining with background out-of-scope data made this question 0.991 sure).
    expect(before.reply.meta.confidence).toBeLessThan(1);

    const saved = await call(
      "PUT",
      "/api/admin/settings",
      { handoffThreshold: 1, maxLowConfidenceTurns: 1, handoffPhrases: ["duty manager"] },
      admin,
    );
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ handoffThreshold: 1, maxLowConfidenceTurns: 1, windowTurns: 8 });

    const after = await ask(HELP_WITH_DELIVERY);
    expect(after.handoff.status).toBe("waiting");
    expect(after.reply.meta.handoff.reason).toBe("low_confidence");
    expect((await ask("Could I talk to the Duty Manager")).reply.meta.handoff.reason).toBe("user_request");
  });

  it("keeps added examples, removed examples and settings across a restart", async () => {
    await server.stop();
    server = await start();
    admin = await login("ada");

    expect((await call("GET", "/api/admin/settings", undefined, admin)).json).toMatchObject({
      handoffThreshold: 1,
      maxLowConfidenceTurns: 1,
      handoffPhrases: ["duty manager"],
      windowTurns: 8,
    });
    const warranty = (await call("GET", "/api/admin/intents", undefined, admin)).json.data.find(
      (i: Json) => i.name === "warranty",
    );
    expect(warranty.added).toContain("zorblax repair");
    expect(warranty.removed).toEqual(["is this covered by warranty"]);
    // Start-up trained on the examples as edited, and applied the saved settings.
    const zorblax = await ask(ZORBLAX);
    expect(sureOfWarranty(zorblax.reply.meta)).toBe(true);
    expect((await ask(HELP_WITH_DELIVERY)).handoff.status).toBe("waiting");
  });
});
