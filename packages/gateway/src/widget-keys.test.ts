import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { migrateSqlite, openSqlite, SqliteApiKeyRepository } from "@seekdesk/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTO_OPTIONS, PROTO_PATH } from "./grpc/server.ts";
import { ApiKeyStore, toOrigin } from "./keys/key-store.ts";
import type { GatewayPlugin } from "./plugin.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";
import { widgetCors } from "./widget-cors.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-widget-keys-"));
let gw: TempGateway;

/** Routes shaped like the real ones: a customer route open to widget keys, an agent one, a role one. */
const probe: GatewayPlugin = {
  name: "probe",
  register(app, ctx) {
    app.use("/api/conversations/*", widgetCors());
    app.get("/api/conversations/probe", ctx.auth.requireAuth({ widget: true }), (c) =>
      c.json(c.get("principal")),
    );
    app.get("/api/agent/probe", ctx.auth.requireAuth(), (c) => c.json({ id: c.get("principal").id }));
    app.get("/api/admin/probe", ctx.auth.requireRoles(["admin"]), (c) =>
      c.json({ kind: c.get("principal").kind }),
    );
  },
};

beforeAll(async () => {
  gw = await startTempGateway({ plugins: [probe] });
});
afterAll(async () => {
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
});

const VISITOR = "widget-0b9e4c1e-5f7a-4d2c-9a51-0d1c2b3a4e5f";

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, { headers });
}

async function error(
  res: Response,
): Promise<{ status: number; type: string; code: string; message: string }> {
  const body = (await res.json()) as { error: { type: string; code: string; message: string } };
  return { status: res.status, ...body.error };
}

describe("allowed origins", () => {
  it("accepts scheme://host[:port] and normalises it as a browser sends it; refuses paths and non-origins", () => {
    expect(toOrigin("https://Shop.Example.com")).toBe("https://shop.example.com");
    expect(toOrigin("https://shop.example.com:443/")).toBe("https://shop.example.com");
    expect(toOrigin("http://localhost:8080")).toBe("http://localhost:8080");
    expect(toOrigin("http://[::1]:3000")).toBe("http://[::1]:3000");
    for (const bad of [
      "https://shop.example.com/cart",
      "https://shop.example.com?x=1",
      "https://shop.example.com#top",
      "https://user@shop.example.com",
      "https://shop.example.com\\evil",
      "shop.example.com",
      "ftp://shop.example.com",
      "https://",
      "null",
      "*",
    ])
      expect(toOrigin(bad), bad).toBeNull();
  });
});

describe("key scope migration", () => {
  it("upgrades a version-1 key database: old keys keep working with scope api and any origin", async () => {
    const file = join(dir, "old.sqlite");
    const db = openSqlite(file);
    // The schema as release 1 created it, with its bookkeeping row.
    migrateSqlite(db, "keys", [
      {
        version: 1,
        name: "api keys",
        up: `CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
          prefix TEXT NOT NULL, rpm INTEGER, tpm INTEGER, created_at TEXT NOT NULL, revoked_at TEXT)`,
      },
    ]);
    const old = "sk-sd-an-old-key-from-release-one-0123456789abcdef";
    db.prepare(
      "INSERT INTO api_keys (id, name, hash, prefix, rpm, tpm, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
    ).run(
      "key_old001",
      "ci",
      createHash("sha256").update(old).digest("hex"),
      old.slice(0, 12),
      5,
      null,
      "2026-01-01T00:00:00.000Z",
    );
    db.close();

    const reopened = openSqlite(file);
    try {
      const keys = new ApiKeyStore(new SqliteApiKeyRepository(reopened));
      expect(keys.verify(old)).toMatchObject({
        id: "key_old001",
        name: "ci",
        rpm: 5,
        scope: "api",
        origins: null,
      });
      const widget = await keys.create({
        name: "shop",
        scope: "widget",
        origins: ["HTTPS://Shop.Example.com:443/"],
      });
      expect((await keys.list()).map((k) => [k.id, k.scope, k.origins])).toEqual([
        ["key_old001", "api", null],
        [widget.record.id, "widget", ["https://shop.example.com"]],
      ]);
      await expect(
        keys.create({ scope: "widget", origins: ["https://shop.example.com/cart"] }),
      ).rejects.toThrow(/not an origin/);
    } finally {
      reopened.close();
    }
  });
});

describe("roles and widget keys over HTTP", () => {
  it("lets the anonymous caller of an open install pass a role check, and refuses it once sign-in is required", async () => {
    expect((await get("/api/admin/probe")).status).toBe(200);
    gw.gateway.auth.setSignInRequired(() => true);
    try {
      expect(await error(await get("/api/admin/probe"))).toMatchObject({
        status: 401,
        code: "not_signed_in",
      });
    } finally {
      gw.gateway.auth.setSignInRequired(() => false);
    }
  });

  it("opens only widget routes to a widget key, as the visitor named by x-seekdesk-visitor", async () => {
    const api = (await gw.gateway.keys.create({ name: "backend" })).key;
    const widget = (await gw.gateway.keys.create({ name: "widget", scope: "widget" })).key;
    const bearer = (key: string, more: Record<string, string> = {}) => ({
      authorization: `Bearer ${key}`,
      ...more,
    });

    const ok = await get("/api/conversations/probe", bearer(widget, { "x-seekdesk-visitor": VISITOR }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ kind: "widget", id: `visitor:${VISITOR}`, visitor: VISITOR });

    for (const path of ["/api/agent/probe", "/api/admin/probe", "/v1/models"]) {
      const refused = await error(await get(path, bearer(widget, { "x-seekdesk-visitor": VISITOR })));
      expect(refused, path).toMatchObject({
        status: 403,
        type: "permission_error",
        code: "permission_denied",
      });
      expect(refused.message).toMatch(/^This key is scoped to the chat widget/);
    }
    const completion = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: bearer(widget, { "content-type": "application/json", "x-seekdesk-visitor": VISITOR }),
      body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(await error(completion)).toMatchObject({ status: 403, code: "permission_denied" });

    const missing = await error(await get("/api/conversations/probe", bearer(widget)));
    expect(missing).toMatchObject({ status: 401, type: "authentication_error", code: "visitor_required" });
    expect(missing.message).toContain("x-seekdesk-visitor");
    const short = await error(
      await get("/api/conversations/probe", bearer(widget, { "x-seekdesk-visitor": "me" })),
    );
    expect(short).toMatchObject({ status: 400, code: "invalid_visitor_id" });
    const odd = await get(
      "/api/conversations/probe",
      bearer(widget, { "x-seekdesk-visitor": `${VISITOR}/../x` }),
    );
    expect(odd.status).toBe(400);

    // An API key still opens everything, and is who it is whatever visitor header it sends.
    const backend = await get("/api/conversations/probe", bearer(api, { "x-seekdesk-visitor": VISITOR }));
    expect(await backend.json()).toMatchObject({ kind: "key" });
    expect((await get("/api/admin/probe", bearer(api))).status).toBe(200);
  });

  it("refuses a key from a page on an origin it does not list, and answers CORS for the widget", async () => {
    const { key } = await gw.gateway.keys.create({
      name: "shop widget",
      scope: "widget",
      origins: ["https://shop.example.com", "http://localhost:8080"],
    });
    const headers = { authorization: `Bearer ${key}`, "x-seekdesk-visitor": VISITOR };

    const foreign = await get("/api/conversations/probe", { ...headers, origin: "https://evil.example" });
    const refused = await error(foreign);
    expect(refused).toMatchObject({ status: 403, code: "origin_not_allowed" });
    expect(refused.message).toContain("https://evil.example");
    // The browser may read the refusal: the CORS headers are on error responses too.
    expect(foreign.headers.get("access-control-allow-origin")).toBe("https://evil.example");

    const shop = await get("/api/conversations/probe", { ...headers, origin: "https://shop.example.com" });
    expect(shop.status).toBe(200);
    expect(shop.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(shop.headers.get("access-control-allow-credentials")).toBeNull();
    expect(shop.headers.get("access-control-expose-headers")).toContain("x-request-id");
    expect(shop.headers.get("vary")).toMatch(/origin/i);
    // No Origin header: not a browser page, the list does not apply.
    expect((await get("/api/conversations/probe", headers)).status).toBe(200);

    const preflight = await fetch(`${gw.url}/api/conversations/probe`, {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-seekdesk-visitor",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(",");
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-seekdesk-visitor", "last-event-id"]),
    );
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("applies the key's requests-per-minute to a widget key", async () => {
    const { key } = await gw.gateway.keys.create({ name: "limited widget", scope: "widget", rpm: 2 });
    const headers = { authorization: `Bearer ${key}`, "x-seekdesk-visitor": VISITOR };
    const first = await get("/api/conversations/probe", headers);
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await get("/api/conversations/probe", headers)).status).toBe(200);
    const third = await get("/api/conversations/probe", headers);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("refuses a widget key on gRPC", async () => {
    const { key } = await gw.gateway.keys.create({ name: "grpc widget", scope: "widget" });
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, PROTO_OPTIONS)) as unknown as {
      seekdesk: { v1: { Inference: grpc.ServiceClientConstructor } };
    };
    const client = new pkg.seekdesk.v1.Inference(
      `127.0.0.1:${gw.listening.grpcPort}`,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      Chat(req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
    };
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${key}`);
      md.set("x-seekdesk-visitor", VISITOR);
      const err = await new Promise<grpc.ServiceError | null>((ok) =>
        client.Chat({ model: "any", messages: [{ role: "user", content: "hi" }] }, md, ok),
      );
      expect(err).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      expect(err?.details).toMatch(/scoped to the chat widget/);
    } finally {
      client.close();
    }
  });
});
