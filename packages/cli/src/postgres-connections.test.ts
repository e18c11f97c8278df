import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callJson } from "@seekdesk/assistant/service/testing/json-call.ts";
import { parseConfig, STORE_UNAVAILABLE_REASONS } from "@seekdesk/core";
import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { Gateway, NoModels, POSTGRES_APPLICATION_NAME } from "@seekdesk/gateway";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPlugins } from "./serve-plugins.ts";
import { firstAdminSession } from "./testing/first-admin.ts";

/**
 * `seekdesk serve` (the plugins of serve-plugins.ts on real gateways, real HTTP on loopback) on a
 * real Postgres: however many repositories the desk, the console and the keys open, a replica
 * holds at most store.poolSize + 1 connections, and what one replica changes still reaches the
 * other through the one LISTEN connection each holds, also after that connection is killed.
 */
const POOL = 4;
const root = mkdtempSync(join(tmpdir(), "seekdesk-pg-connections-"));
let server: TestPostgres;
let url: string;
let admin: pg.Client;
const gateways: Gateway[] = [];

async function start(name: string): Promise<{ url: string; gateway: Gateway }> {
  const config = parseConfig({
    dataDir: join(root, name),
    server: { port: 0, grpcPort: null },
    // A minute: a revocation seen within the test came by NOTIFY, not by the cache expiring.
    store: { driver: "postgres", url, poolSize: POOL, keyCacheTtlMs: 60_000 },
  });
  const gateway = new Gateway({
    config,
    engine: new NoModels(),
    plugins: await defaultPlugins(config),
    logger: pino({ level: process.env.SEEKDESK_TEST_LOGS ? "debug" : "silent" }),
  });
  gateways.push(gateway);
  const { url: at } = await gateway.listen();
  return { url: at, gateway };
}

/** The server's connections named as seekdesk names them, of every replica running. */
async function connections(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
    [POSTGRES_APPLICATION_NAME],
  );
  return rows[0].n;
}

beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("serve_connections");
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  for (const g of gateways) await g.shutdown();
  await admin?.end();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("seekdesk serve on Postgres: one pool per process", () => {
  it("holds at most store.poolSize + 1 connections while keys, conversations, console edits, feedback and the knowledge API are busy, and replicas still hear each other after the LISTEN connection is killed", async () => {
    const a = await start("a");
    // Registered: conversations, feedback, console edits, accounts and desk events are all open.
    const idle = await connections();
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(idle).toBeLessThanOrEqual(POOL + 1);

    // A fresh install is open until its first account; then sign in and make an API key.
    const cookie = await firstAdminSession(a.url);
    const made = await callJson(a.url, "POST", "/api/admin/keys", { name: "shop" }, cookie);
    expect(made.status).toBe(201);
    const bearer = { authorization: `Bearer ${made.json.key}` };

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await connections());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          const conv = await callJson(a.url, "POST", "/api/conversations", { userId: `u${i}` }, bearer);
          expect(conv.status).toBe(201);
          const sent = await callJson(
            a.url,
            "POST",
            `/api/conversations/${conv.json.id}/messages`,
            { text: i % 2 ? "how much is shipping" : "where is my order" },
            bearer,
          );
          expect(sent.status).toBe(201);
          const rated = await callJson(
            a.url,
            "POST",
            `/api/conversations/${conv.json.id}/rating`,
            { rating: 1 + (i % 5) },
            bearer,
          );
          expect(rated.status).toBe(200);
          const checks = await Promise.all([
            callJson(a.url, "GET", "/api/analytics?days=1", undefined, cookie),
            callJson(a.url, "GET", "/api/admin/settings", undefined, cookie),
            callJson(a.url, "GET", "/api/kb/search?q=shipping", undefined, bearer),
            callJson(a.url, "GET", "/api/admin/keys", undefined, cookie),
          ]);
          expect(checks.map((c) => c.status)).toEqual([200, 200, 200, 200]);
          if (i % 6 === 0)
            expect(
              (await callJson(a.url, "PUT", "/api/admin/settings", { windowTurns: 6 + (i % 4) }, cookie))
                .status,
            ).toBe(200);
        }),
      );
    } finally {
      sampling = false;
      await sampler;
    }
    console.log(`connections of one replica at store.poolSize ${POOL}: ${idle} after start, ${peak} at peak`);
    // Busy enough to fill the pool beside the LISTEN connection, never past it.
    expect(peak).toBeLessThanOrEqual(POOL + 1);
    expect(peak).toBeGreaterThanOrEqual(POOL);
    expect(a.gateway.postgres?.pool.totalCount).toBeLessThanOrEqual(POOL);

    // Operators see the pool on /metrics: the LISTEN connection, and the pool within its size.
    const scraped = await (await fetch(`${a.url}/metrics`)).text();
    expect(scraped).toContain('seekdesk_postgres_connections{pool="store",state="listen"} 1');
    const pooled = [
      ...scraped.matchAll(/seekdesk_postgres_connections\{pool="store",state="(?:idle|busy)"\} (\d+)/g),
    ];
    expect(pooled).toHaveLength(2);
    expect(pooled.reduce((n, m) => n + Number(m[1]), 0)).toBeLessThanOrEqual(POOL);
    expect(scraped).toMatch(/^seekdesk_postgres_pool_waiting\{pool="store"\} 0$/m);
    expect(scraped).toMatch(new RegExp(`^seekdesk_postgres_pool_size\\{pool="store"\\} ${POOL}$`, "m"));
    // The knowledge base shares the store's database here, so no pool of its own is shown.
    expect(scraped).not.toContain('pool="knowledge"');
    // Every reason is there at 0 before any failure, so an alert's rate() sees the first one.
    for (const reason of STORE_UNAVAILABLE_REASONS)
      expect(scraped).toMatch(
        new RegExp(`^seekdesk_store_unavailable_total\\{reason="${reason}"\\} 0$`, "m"),
      );

    // A second replica: a key revoked on one is refused on the other long before its cache life.
    const b = await start("b");
    expect(await connections()).toBeLessThanOrEqual(2 * (POOL + 1));
    const models = (at: string, key: string) =>
      callJson(at, "GET", "/v1/models", undefined, { authorization: `Bearer ${key}` }).then((r) => r.status);
    expect(await models(b.url, made.json.key)).toBe(200);
    expect(
      (await callJson(a.url, "DELETE", `/api/admin/keys/${made.json.record.id}`, undefined, cookie)).status,
    ).toBe(200);
    await eventually(
      "B refusing the key revoked on A",
      async () => (await models(b.url, made.json.key)) === 401,
      3000,
    );

    // Kill A's LISTEN connection: it comes back and listens on every channel again.
    const listener = a.gateway.postgres?.listener;
    const before = listener?.backendPid ?? null;
    expect(before).not.toBeNull();
    expect((await admin.query("SELECT pg_terminate_backend($1)", [before])).rowCount).toBe(1);
    await eventually(
      "A listening on a new connection",
      async () => listener?.backendPid != null && listener.backendPid !== before,
      10_000,
    );
    // Console edits (seekdesk_desk_admin): settings saved on B are served by A.
    await callJson(b.url, "PUT", "/api/admin/settings", { handoffThreshold: 0.93 }, cookie);
    await eventually(
      "A serving B's settings",
      async () =>
        (await callJson(a.url, "GET", "/api/admin/settings", undefined, cookie)).json.handoffThreshold ===
        0.93,
      3000,
    );
    // Keys (seekdesk_api_keys): a key cached on A and revoked on B is refused by A.
    const second = await callJson(b.url, "POST", "/api/admin/keys", { name: "second" }, cookie);
    expect(await models(a.url, second.json.key)).toBe(200);
    await callJson(b.url, "DELETE", `/api/admin/keys/${second.json.record.id}`, undefined, cookie);
    await eventually(
      "A refusing the key revoked on B",
      async () => (await models(a.url, second.json.key)) === 401,
      3000,
    );
    expect(await connections()).toBeLessThanOrEqual(2 * (POOL + 1));

    // Shut down, each replica leaves nothing open.
    await a.gateway.shutdown();
    await b.gateway.shutdown();
    await eventually("no connections left", async () => (await connections()) === 0, 5000);
  }, 120_000);
});
