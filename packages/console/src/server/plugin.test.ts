import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePlugin } from "./plugin.ts";

let gw: TempGateway;
let dist: string;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), "seekdesk-console-dist-"));
  mkdirSync(join(dist, "app", "assets"), { recursive: true });
  mkdirSync(join(dist, "widget"), { recursive: true });
  writeFileSync(join(dist, "app", "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(dist, "app", "assets", "index-abcdef12.js"), "console.log(1)");
  writeFileSync(join(dist, "widget", "widget.js"), "/* widget */");
  const plugin = consolePlugin({ distDir: dist });
  gw = await startTempGateway({ plugins: [plugin] });
  await plugin.guards?.accounts.create({ username: "lead", password: "lead-password", role: "admin" });
  await plugin.guards?.accounts.create({ username: "vera", password: "vera-password", role: "viewer" });
});
afterAll(async () => {
  await gw.stop();
  rmSync(dist, { recursive: true, force: true });
});

async function login(username: string, password: string): Promise<string> {
  const res = await fetch(`${gw.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/sd_session=.+HttpOnly/i);
  return cookie.split(";")[0];
}

describe("console server", () => {
  it("serves the app with an SPA fallback and long-cached hashed assets", async () => {
    const root = await fetch(`${gw.url}/`);
    expect(root.headers.get("content-type")).toMatch(/text\/html/);
    expect(await root.text()).toContain("<title>console</title>");
    const asset = await fetch(`${gw.url}/assets/index-abcdef12.js`);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
    expect((await fetch(`${gw.url}/some/deep/link`)).status).toBe(200);
    const traversal = await fetch(`${gw.url}/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain("root:");
    const widget = await fetch(`${gw.url}/widget.js`);
    expect(widget.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers unknown API paths with a JSON 404, not the app", async () => {
    const res = await fetch(`${gw.url}/api/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("route_not_found");
  });

  it("rejects a wrong password with 401 and no cookie", async () => {
    const res = await fetch(`${gw.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "lead", password: "nope" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("enforces roles on the server: a viewer cannot manage users or keys", async () => {
    const viewer = await login("vera", "vera-password");
    const me = await fetch(`${gw.url}/api/auth/me`, { headers: { cookie: viewer } });
    expect((await me.json()).account.role).toBe("viewer");
    for (const [method, path] of [
      ["GET", "/api/admin/users"],
      ["POST", "/api/admin/users"],
      ["POST", "/api/admin/keys"],
    ] as const) {
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: { cookie: viewer, "content-type": "application/json" },
        body:
          method === "POST"
            ? JSON.stringify({ username: "x1", password: "xxxxxxxxxx", role: "admin", name: "k" })
            : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await res.json()).error.type).toBe("permission_error");
    }
    expect((await fetch(`${gw.url}/api/admin/models`, { headers: { cookie: viewer } })).status).toBe(200);
  });

  it("requires sign-in once accounts exist", async () => {
    const res = await fetch(`${gw.url}/api/admin/users`);
    expect(res.status).toBe(401);
  });

  it("lets an admin create an agent and a key", async () => {
    const admin = await login("lead", "lead-password");
    const headers = { cookie: admin, "content-type": "application/json" };
    const created = await fetch(`${gw.url}/api/admin/users`, {
      method: "POST",
      headers,
      body: JSON.stringify({ username: "ann", password: "ann-password", role: "agent" }),
    });
    expect(created.status).toBe(201);
    const list = await (await fetch(`${gw.url}/api/admin/users`, { headers })).json();
    expect(list.data.map((a: { username: string }) => a.username)).toContain("ann");
    const key = await fetch(`${gw.url}/api/admin/keys`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "crm" }),
    });
    expect(key.status).toBe(201);
    const made = await key.json();
    expect(made.key).toMatch(/^sk-/);
    // Changed in place: new limits and models, the same key.
    const patched = await fetch(`${gw.url}/api/admin/keys/${made.record.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ rpm: 120, models: ["deepseek-chat"], expiresAt: null }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      id: made.record.id,
      name: "crm",
      rpm: 120,
      models: ["deepseek-chat"],
    });
    const unknown = await fetch(`${gw.url}/api/admin/keys/key_nope`, {
      method: "PATCH",
      headers,
      body: "{}",
    });
    expect(unknown.status).toBe(404);
    const badPatch = await fetch(`${gw.url}/api/admin/keys/${made.record.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ rpm: -1 }),
    });
    expect(badPatch.status).toBe(400);
    expect((await badPatch.json()).error.param).toBe("rpm");
    // A new secret: the old one is refused from the next request, the new one works, the id stays.
    const models = (key: string) =>
      fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await models(made.key)).toBe(200);
    const rotate = await fetch(`${gw.url}/api/admin/keys/${made.record.id}/rotate`, {
      method: "POST",
      headers,
    });
    expect(rotate.status).toBe(200);
    const rotated = await rotate.json();
    expect(rotated.record).toMatchObject({ id: made.record.id, rpm: 120 });
    expect(await models(made.key)).toBe(401);
    expect(await models(rotated.key)).toBe(200);
    // A revoked key stays as it was revoked: changing it is refused, not silently stored.
    const revoked = await fetch(`${gw.url}/api/admin/keys/${made.record.id}`, { method: "DELETE", headers });
    expect(revoked.status).toBe(200);
    const late = await fetch(`${gw.url}/api/admin/keys/${made.record.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ rpm: 5 }),
    });
    expect(late.status).toBe(409);
    const lateRotate = await fetch(`${gw.url}/api/admin/keys/${made.record.id}/rotate`, {
      method: "POST",
      headers,
    });
    expect(lateRotate.status).toBe(409);
    expect((await late.json()).error).toMatchObject({ type: "invalid_request_error", code: "key_revoked" });
    const kept = (await (await fetch(`${gw.url}/api/admin/keys`, { headers })).json()).data;
    expect(kept.find((k: { id: string }) => k.id === made.record.id)).toMatchObject({ rpm: 120 });
    const bad = await fetch(`${gw.url}/api/admin/users`, {
      method: "POST",
      headers,
      body: JSON.stringify({ username: "bob", password: "short", role: "agent" }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("password");
  });

  it("lists the agents a ticket can go to, to agents only", async () => {
    const admin = await login("lead", "lead-password");
    const headers = { cookie: admin, "content-type": "application/json" };
    await fetch(`${gw.url}/api/admin/users`, {
      method: "POST",
      headers,
      body: JSON.stringify({ username: "li", password: "li-password", role: "agent" }),
    });
    const li = await login("li", "li-password");
    const res = await fetch(`${gw.url}/api/agents`, { headers: { cookie: li } });
    expect(res.status).toBe(200);
    const names = (await res.json()).data.map((a: { username: string }) => a.username);
    expect(names).toEqual(expect.arrayContaining(["lead", "li"]));
    expect(names).not.toContain("vera");
    const viewer = await login("vera", "vera-password");
    expect((await fetch(`${gw.url}/api/agents`, { headers: { cookie: viewer } })).status).toBe(403);
  });
});
