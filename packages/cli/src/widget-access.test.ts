import { callJson } from "@seekdesk/assistant/service/testing/json-call.ts";
import { consolePlugin } from "@seekdesk/console";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { knowledgePlugin } from "@seekdesk/knowledge/http/plugin.ts";
import { type ConversationStore, SqliteConversationStore } from "@seekdesk/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deskPlugin } from "./desk.ts";

/**
 * The widget's key on the whole desk `seekdesk serve` mounts (conversation, knowledge and console
 * plugins), and the roles on the knowledge API, over real HTTP with real sessions.
 */
let gw: TempGateway;
let admin: string;
let viewer: string;
let widgetKey: string;
let docId: string;

const SHOP = "https://shop.example.com";
const ALICE = "widget-7d0f3a52-1c44-4b8e-a0e1-6a2f9e1b3c4d";
const MALLORY = "widget-2e6b8c1d-9f30-4a7e-b5d2-8c1e0f4a6b7d";

const call = (
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
) => callJson(gw.url, method, path, opts.body, opts.headers);

/** What the widget on the shop's page sends for visitor `visitor`. */
const fromWidget = (visitor: string, origin = SHOP) => ({
  authorization: `Bearer ${widgetKey}`,
  "x-seekdesk-visitor": visitor,
  origin,
});

async function login(username: string, password: string): Promise<string> {
  const res = await call("POST", "/api/auth/login", { body: { username, password } });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

beforeAll(async () => {
  // The plugins `seekdesk serve` mounts, with the console's analytics (ratings) reading the desk's store.
  let conversations: ConversationStore | null = null;
  gw = await startTempGateway({
    plugins: [deskPlugin(), knowledgePlugin(), consolePlugin({ conversations: () => conversations })],
  });
  conversations = new SqliteConversationStore(gw.gateway.db);
  // A fresh install is open: the first admin is created without signing in.
  expect(
    (
      await call("POST", "/api/admin/users", {
        body: { username: "lead", password: "lead-password", role: "admin" },
      })
    ).status,
  ).toBe(201);
  admin = await login("lead", "lead-password");
  const vera = await call("POST", "/api/admin/users", {
    headers: { cookie: admin },
    body: { username: "vera", password: "vera-password", role: "viewer" },
  });
  expect(vera.status).toBe(201);
  viewer = await login("vera", "vera-password");
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

describe("the console's chat page before any key", () => {
  it("is open to an anonymous visitor, as the loopback install is", async () => {
    const access = await call("GET", "/api/auth/chat-access");
    expect(access).toMatchObject({ status: 200, json: { anonymous: true } });
    const started = await call("POST", "/api/conversations", { body: { userId: "web-visitor-0001" } });
    expect(started.status).toBe(201);
  });
});

describe("knowledge API roles", () => {
  it("lets a viewer read and search but not change the knowledge base; an admin changes it", async () => {
    const doc = {
      id: "gift-wrapping",
      title: "Gift wrapping",
      text: "Gift wrapping costs 5 yuan and is available for every order.",
    };
    const refused = await call("POST", "/api/kb/documents", { headers: { cookie: viewer }, body: doc });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ type: "permission_error" });
    expect(refused.json.error.message).toContain("admin");
    expect(
      (await call("POST", "/api/kb/crawl", { headers: { cookie: viewer }, body: { url: SHOP } })).status,
    ).toBe(403);

    const added = await call("POST", "/api/kb/documents", { headers: { cookie: admin }, body: doc });
    expect(added.status).toBe(200);
    docId = doc.id;

    const hits = await call("GET", `/api/kb/search?q=${encodeURIComponent("gift wrapping cost")}`, {
      headers: { cookie: viewer },
    });
    expect(hits.status).toBe(200);
    expect(hits.json.data[0].citation.title).toBe("Gift wrapping");
    expect((await call("GET", "/api/kb/stats", { headers: { cookie: viewer } })).status).toBe(200);
    expect((await call("GET", `/api/kb/documents/${docId}`, { headers: { cookie: viewer } })).status).toBe(
      200,
    );

    const del = await call("DELETE", `/api/kb/documents/${docId}`, { headers: { cookie: viewer } });
    expect(del.status).toBe(403);
    expect((await call("GET", "/api/kb/documents", {})).status).toBe(401);
    const removed = await call("DELETE", `/api/kb/documents/${docId}`, { headers: { cookie: admin } });
    expect(removed.json).toMatchObject({ id: docId, deleted: true });
  });
});

describe("a widget-scoped key", () => {
  it("is created by an admin with its allowed origins, which must be origins", async () => {
    const bad = await call("POST", "/api/admin/keys", {
      headers: { cookie: admin },
      body: { name: "shop", scope: "widget", origins: [`${SHOP}/cart`] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toMatch(/^origins/);

    const created = await call("POST", "/api/admin/keys", {
      headers: { cookie: admin },
      body: { name: "shop", scope: "widget", origins: [SHOP], rpm: 1000 },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ scope: "widget", origins: [SHOP], record: { scope: "widget" } });
    widgetKey = created.json.key;
    const listed = await call("GET", "/api/admin/keys", { headers: { cookie: admin } });
    expect(listed.json.data.find((k: { name: string }) => k.name === "shop")).toMatchObject({
      scope: "widget",
      origins: [SHOP],
    });
  });

  it("lets a visitor start, write to and read their own conversation from the shop's page", async () => {
    const started = await call("POST", "/api/conversations", {
      headers: fromWidget(ALICE),
      body: { userId: ALICE, channel: "web", language: "zh" },
    });
    expect(started.status).toBe(201);
    expect(started.headers.get("access-control-allow-origin")).toBe(SHOP);
    // Visitors live in a namespace of their own: a public key cannot claim an integration's user id.
    expect(started.json.userId).toBe(`visitor:${ALICE}`);
    const id = started.json.id;

    const posted = await call("POST", `/api/conversations/${id}/messages`, {
      headers: fromWidget(ALICE),
      body: { text: "我想退货", idempotencyKey: "k1" },
    });
    expect(posted.status).toBe(201);
    expect(posted.json.replies.length).toBeGreaterThan(0);

    const messages = await call("GET", `/api/conversations/${id}/messages`, { headers: fromWidget(ALICE) });
    expect(messages.json.data.map((m: { role: string }) => m.role)).toEqual(["user", "bot"]);
    expect((await call("GET", `/api/conversations/${id}`, { headers: fromWidget(ALICE) })).json.id).toBe(id);

    const events = new AbortController();
    const stream = await fetch(`${gw.url}/api/conversations/${id}/events`, {
      headers: { ...fromWidget(ALICE), accept: "text/event-stream", "last-event-id": "2" },
      signal: events.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(stream.headers.get("access-control-allow-origin")).toBe(SHOP);
    events.abort();

    expect(
      (await call("POST", `/api/conversations/${id}/typing`, { headers: fromWidget(ALICE), body: {} }))
        .status,
    ).toBe(204);
    const rated = await call("POST", `/api/conversations/${id}/rating`, {
      headers: fromWidget(ALICE),
      body: { rating: 5 },
    });
    expect(rated.status).toBe(200);
    expect(rated.headers.get("access-control-allow-origin")).toBe(SHOP);

    // Another visitor with the same (public) key sees nothing of it.
    const other = fromWidget(MALLORY);
    for (const [method, path, body] of [
      ["GET", `/api/conversations/${id}`, undefined],
      ["GET", `/api/conversations/${id}/messages`, undefined],
      ["GET", `/api/conversations/${id}/events`, undefined],
      ["POST", `/api/conversations/${id}/messages`, { text: "hi" }],
      ["POST", `/api/conversations/${id}/typing`, {}],
      ["POST", `/api/conversations/${id}/close`, {}],
      ["POST", `/api/conversations/${id}/rating`, { rating: 1 }],
    ] as const) {
      const res = await call(method, path, { headers: other, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.code).toBe("conversation_not_found");
    }
    const impersonate = await call("POST", "/api/conversations", { headers: other, body: { userId: ALICE } });
    expect(impersonate.status).toBe(403);
    expect(impersonate.json.error.code).toBe("not_your_user");

    const closed = await call("POST", `/api/conversations/${id}/close`, {
      headers: fromWidget(ALICE),
      body: {},
    });
    expect(closed.json.status).toBe("closed");
  });

  it("cannot claim a customer id that an integration uses, even with that id as its visitor id", async () => {
    const crm = await call("POST", "/api/admin/keys", { headers: { cookie: admin }, body: { name: "crm" } });
    const integration = { authorization: `Bearer ${crm.json.key}` };
    const customer = "shop-customer-000000042";
    const theirs = await call("POST", "/api/conversations", {
      headers: integration,
      body: { userId: customer },
    });
    expect(theirs.json.userId).toBe(customer);
    await call("POST", `/api/conversations/${theirs.json.id}/messages`, {
      headers: integration,
      body: { text: "my address is 1 Long Road" },
    });
    const posing = fromWidget(customer);
    const read = await call("GET", `/api/conversations/${theirs.json.id}/messages`, { headers: posing });
    expect(read.status).toBe(404);
    const mine = await call("POST", "/api/conversations", { headers: posing, body: { userId: customer } });
    expect(mine.json.userId).toBe(`visitor:${customer}`);
  });

  it("opens nothing beyond the customer side: no model API, agent desk, knowledge search, admin or user data", async () => {
    const headers = fromWidget(ALICE);
    for (const [method, path, body] of [
      ["POST", "/v1/chat/completions", { model: "any", messages: [{ role: "user", content: "hi" }] }],
      ["GET", "/v1/models", undefined],
      ["GET", "/api/agent/queue", undefined],
      ["GET", "/api/agent/events", undefined],
      ["POST", "/api/agent/feedback/intent", { conversationId: "c", seq: 1, correct: true }],
      ["GET", `/api/kb/search?q=gift`, undefined],
      ["POST", "/api/kb/search", { query: "gift" }],
      ["GET", "/api/kb/documents", undefined],
      ["GET", "/api/kb/stats", undefined],
      ["POST", "/api/kb/documents", { title: "x", text: "y" }],
      ["DELETE", "/api/kb/documents/anything", undefined],
      ["GET", "/api/admin/keys", undefined],
      ["POST", "/api/admin/keys", { name: "mine" }],
      ["GET", "/api/admin/users", undefined],
      ["GET", "/api/analytics", undefined],
      ["GET", `/api/users/${ALICE}/export`, undefined],
      ["DELETE", `/api/users/${ALICE}`, undefined],
    ] as const) {
      const res = await call(method, path, { headers, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error).toMatchObject({ type: "permission_error", code: "permission_denied" });
      expect(res.json.error.message).toMatch(/^This key is scoped to the chat widget/);
    }
  });

  it("may open a cited knowledge document, across origins", async () => {
    const added = await call("POST", "/api/kb/documents", {
      headers: { cookie: admin },
      body: {
        id: "opening-hours",
        title: "Opening hours",
        text: "The shop answers from 9:00 to 18:00 every day.",
      },
    });
    expect(added.status).toBe(200);
    const id = "opening-hours";
    const doc = await call("GET", `/api/kb/documents/${encodeURIComponent(id)}`, {
      headers: fromWidget(ALICE),
    });
    expect(doc.status).toBe(200);
    expect(doc.json.text).toContain("9:00 to 18:00");
    expect(doc.headers.get("access-control-allow-origin")).toBe(SHOP);

    const preflight = await fetch(`${gw.url}/api/kb/documents/${encodeURIComponent(id)}`, {
      method: "OPTIONS",
      headers: {
        origin: SHOP,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET");

    expect(
      (await call("DELETE", `/api/kb/documents/${encodeURIComponent(id)}`, { headers: { cookie: admin } }))
        .status,
    ).toBe(200);
  });

  it("answers the widget's preflight without auth, and refuses pages on other origins", async () => {
    const preflight = await fetch(`${gw.url}/api/conversations`, {
      method: "OPTIONS",
      headers: {
        origin: SHOP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-seekdesk-visitor",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect((preflight.headers.get("access-control-allow-headers") ?? "").split(",")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-seekdesk-visitor", "last-event-id"]),
    );
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();

    const foreign = await call("POST", "/api/conversations", {
      headers: fromWidget(ALICE, "https://copycat.example"),
      body: { userId: ALICE },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error).toMatchObject({ code: "origin_not_allowed" });
    expect(foreign.json.error.message).toContain("https://copycat.example");

    const noVisitor = await call("POST", "/api/conversations", {
      headers: { authorization: `Bearer ${widgetKey}`, origin: SHOP },
      body: {},
    });
    expect(noVisitor.status).toBe(401);
    expect(noVisitor.json.error.code).toBe("visitor_required");
  });
});

// After the widget-key tests above, which created keys.
describe("the console's chat page once a key exists", () => {
  it("tells the page that anonymous visitors are refused, and refuses them", async () => {
    const access = await call("GET", "/api/auth/chat-access");
    expect(access.status).toBe(200);
    // A yes/no the 401 below gives away anyway: no key, no account, nothing else.
    expect(access.json).toEqual({ anonymous: false });
    const started = await call("POST", "/api/conversations", { body: { userId: "web-visitor-0001" } });
    expect(started.status).toBe(401);
    expect(started.json.error.type).toBe("authentication_error");
    expect((await call("GET", "/api/conversations/anything/messages")).status).toBe(401);
  });

  it("lets a signed-in admin try the bot as itself, with its session and no key", async () => {
    const started = await call("POST", "/api/conversations", {
      headers: { cookie: admin },
      body: { userId: "account:lead", channel: "web" },
    });
    expect(started.status).toBe(201);
    expect(started.json.userId).toBe("account:lead");
    const posted = await call("POST", `/api/conversations/${started.json.id}/messages`, {
      headers: { cookie: admin },
      body: { text: "How long does shipping take?", idempotencyKey: "try-1" },
    });
    expect(posted.status).toBe(201);
    expect(posted.json.replies.length).toBeGreaterThan(0);
  });

  it("lets a signed-in viewer try it as itself only, in a namespace no integration's customer shares", async () => {
    const mine = await call("POST", "/api/conversations", {
      headers: { cookie: viewer },
      body: { userId: "account:vera" },
    });
    expect(mine.status).toBe(201);
    expect(mine.json.userId).toBe("account:vera");
    const posted = await call("POST", `/api/conversations/${mine.json.id}/messages`, {
      headers: { cookie: viewer },
      body: { text: "我想退货", idempotencyKey: "try-1" },
    });
    expect(posted.status).toBe(201);
    const rated = await call("POST", `/api/conversations/${mine.json.id}/rating`, {
      headers: { cookie: viewer },
      body: { rating: 4 },
    });
    expect(rated.status).toBe(200);
    for (const userId of ["account:lead", "vera"]) {
      const other = await call("POST", "/api/conversations", {
        headers: { cookie: viewer },
        body: { userId },
      });
      expect(other.status, userId).toBe(403);
      expect(other.json.error.code).toBe("not_your_user");
    }
    // A shop customer who happens to be called "vera", served by an integration: not the viewer's.
    const crm = await call("POST", "/api/admin/keys", {
      headers: { cookie: admin },
      body: { name: "crm-2" },
    });
    const theirs = await call("POST", "/api/conversations", {
      headers: { authorization: `Bearer ${crm.json.key}` },
      body: { userId: "vera" },
    });
    expect(theirs.json.userId).toBe("vera");
    for (const [method, path, body] of [
      ["GET", `/api/conversations/${theirs.json.id}/messages`, undefined],
      ["POST", `/api/conversations/${theirs.json.id}/rating`, { rating: 1 }],
    ] as const) {
      const res = await call(method, path, { headers: { cookie: viewer }, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const leads = await call("POST", "/api/conversations", {
      headers: { cookie: admin },
      body: { userId: "account:lead" },
    });
    const peek = await call("GET", `/api/conversations/${leads.json.id}/messages`, {
      headers: { cookie: viewer },
    });
    expect(peek.status).toBe(404);
  });
});
