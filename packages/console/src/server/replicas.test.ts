import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEY_CACHE_TTL_MS } from "@seekdesk/gateway";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePlugin } from "./plugin.ts";

/**
 * Two replicas behind an (imaginary) load balancer, each with its own data directory (so its own
 * SQLite file) and one Postgres: everything about who may call must come from Postgres.
 */
let pg: TestPostgres;
let dist: string;
const replicas: TempGateway[] = [];

beforeAll(async () => {
  pg = await startTestPostgres();
  const url = await pg.createDatabase("replicas");
  dist = mkdtempSync(join(tmpdir(), "seekdesk-console-dist-"));
  mkdirSync(join(dist, "app"), { recursive: true });
  writeFileSync(join(dist, "app", "index.html"), "<!doctype html><title>console</title>");
  for (let i = 0; i < 2; i++) {
    const plugin = consolePlugin({ distDir: dist });
    replicas.push(
      await startTempGateway({ plugins: [plugin], config: { store: { driver: "postgres", url } } }),
    );
    if (i === 0)
      await plugin.guards?.accounts.create({ username: "lead", password: "lead-password", role: "admin" });
  }
});
afterAll(async () => {
  for (const r of replicas) await r.stop();
  await pg?.stop();
  rmSync(dist, { recursive: true, force: true });
});

const models = (r: TempGateway, key: string) =>
  fetch(`${r.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

async function login(r: TempGateway): Promise<string> {
  const res = await fetch(`${r.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "lead", password: "lead-password" }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

describe("replicas on one Postgres", () => {
  it("accept a console sign-in made on another replica, and honour a sign-out made on another", async () => {
    const [a, b] = replicas;
    const cookie = await login(a);
    const me = await fetch(`${b.url}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect((await me.json()).account).toMatchObject({ username: "lead", role: "admin" });
    // An account created through B's admin API can sign in on A.
    const created = await fetch(`${b.url}/api/admin/users`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ username: "vera", password: "vera-password", role: "viewer" }),
    });
    expect(created.status).toBe(201);
    const vera = await fetch(`${a.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "VERA", password: "vera-password" }),
    });
    expect(vera.status).toBe(200);

    await fetch(`${b.url}/api/auth/logout`, { method: "POST", headers: { cookie } });
    expect((await fetch(`${a.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it("share the count of failed sign-ins: ten wrong passwords spread over both lock the name on both", async () => {
    const attempt = (r: TempGateway) =>
      fetch(`${r.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
        body: JSON.stringify({ username: "mallory", password: "guess-password" }),
      });
    for (let i = 0; i < 10; i++) expect((await attempt(replicas[i % 2])).status).toBe(401);
    for (const r of replicas) {
      const locked = await attempt(r);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("accept a key created on another replica and refuse it within the cache lifetime once revoked there", async () => {
    const [a, b] = replicas;
    const cookie = await login(a);
    const res = await fetch(`${a.url}/api/admin/keys`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "integration" }),
    });
    expect(res.status).toBe(201);
    const { key, record } = (await res.json()) as { key: string; record: { id: string } };
    // Keys now exist: both replicas require one (B as soon as it hears of the first key).
    await expect.poll(async () => (await fetch(`${b.url}/v1/models`)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await models(b, key)).status).toBe(200);
    // The other way round, through the store itself (as `seekdesk keys create` does).
    const other = await b.gateway.keys.create({ name: "from b" });
    expect((await models(a, other.key)).status).toBe(200);

    // B has the key cached now; revoke it on A.
    expect(
      (await fetch(`${a.url}/api/admin/keys/${record.id}`, { method: "DELETE", headers: { cookie } })).status,
    ).toBe(200);
    expect((await models(a, key)).status).toBe(401);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < KEY_CACHE_TTL_MS + 1000) {
      status = (await models(b, key)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 5));
    }
    const delay = Date.now() - revokedAt;
    expect(status).toBe(401);
    expect(delay).toBeLessThan(KEY_CACHE_TTL_MS);
    process.stderr.write(`revocation seen on the other replica after ${delay} ms\n`);
    expect((await models(b, other.key)).status).toBe(200);
  });
});
