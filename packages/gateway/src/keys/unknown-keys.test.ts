import { createHash, randomBytes } from "node:crypto";
import { openPostgresApiKeyRepository } from "@seekdesk/store";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempGateway, type TempGateway } from "../testing/temp-gateway.ts";
import { ApiKeyStore } from "./key-store.ts";

/**
 * Made-up keys against replicas sharing one Postgres. Queries are counted by the server itself
 * (pg_stat_statements), not by timing. The cache life is a minute so that anything seen within
 * the test is the work of the cache or of a notification, never of an expiry.
 */
const TTL = 60_000;
let server: TestPostgres;
let url: string;
let stats: pg.Client;
let a: TempGateway;
let b: TempGateway;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startTestPostgres({ settings: { shared_preload_libraries: "pg_stat_statements" } });
  url = await server.createDatabase("unknown_keys");
  stats = new pg.Client({ connectionString: url });
  await stats.connect();
  await stats.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const config = {
    store: { driver: "postgres" as const, url, keyCacheTtlMs: TTL },
    // Off: the key cache is under test, and every request here comes from 127.0.0.1, which the
    // per-client throttle would answer with 429 from the 21st invalid key on (failed-keys.test.ts).
    server: { authThrottle: { maxFailures: 0 } },
  };
  a = await startTempGateway({ config });
  await a.gateway.keys.create({ name: "real" });
  // Started after a key exists, B requires one from its first request.
  b = await startTempGateway({ config });
});
afterAll(async () => {
  for (const c of closing) await c.close();
  await a?.stop();
  await b?.stop();
  await stats?.end();
  await server?.stop();
});

const madeUp = () => `sk-sd-${randomBytes(32).toString("base64url")}`;
const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");

/** Key lookups Postgres has executed since the last reset, from every replica. */
async function lookups(): Promise<number> {
  const { rows } = await stats.query<{ n: string }>(
    "SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE query = 'SELECT * FROM api_keys WHERE hash = $1'",
  );
  return Number(rows[0]?.n);
}

async function status(gw: TempGateway, key: string): Promise<number> {
  const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

describe("made-up API keys on Postgres", () => {
  it("costs one query per replica and cache life however often one unknown key is tried", async () => {
    const fake = madeUp();
    await stats.query("SELECT pg_stat_statements_reset()");
    // 400 requests, 50 at a time, then 100 one after another, on each replica.
    for (const gw of [a, b]) {
      for (let round = 0; round < 8; round++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => status(gw, fake)));
        expect(answers.every((s) => s === 401)).toBe(true);
      }
      for (let i = 0; i < 100; i++) expect(await status(gw, fake)).toBe(401);
    }
    expect(await lookups()).toBe(2);
  });

  it("honours a key created after it was tried and remembered as unknown, on every replica at once", async () => {
    const key = madeUp();
    expect(await status(a, key)).toBe(401);
    expect(await status(b, key)).toBe(401);
    // Made by another process (`seekdesk keys create` elsewhere, an import): the insert's NOTIFY
    // drops the remembered absence on both replicas, far sooner than the minute-long cache life.
    const elsewhere = await openPostgresApiKeyRepository(url);
    closing.push(elsewhere);
    await elsewhere.insert({
      id: "key_late01",
      name: "late",
      hash: sha256(key),
      prefix: key.slice(0, 12),
      rpm: null,
      tpm: null,
      createdAt: new Date().toISOString(),
      revokedAt: null,
      scope: "api",
      origins: null,
      expiresAt: null,
      models: null,
      lastUsedAt: null,
    });
    const t0 = Date.now();
    await expect.poll(() => status(a, key), { timeout: 5000, interval: 20 }).toBe(200);
    await expect.poll(() => status(b, key), { timeout: 5000, interval: 20 }).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("holds a bounded number of unknown keys, never at the expense of real ones", async () => {
    const repo = await openPostgresApiKeyRepository(url);
    const heard: string[] = [];
    const store = new ApiKeyStore(repo, {
      cacheTtlMs: TTL,
      unknownCacheSize: 100,
      onChange: (hash) => heard.push(hash),
    });
    closing.push(store);
    await store.open();
    const real = await store.create({ name: "kept" });
    // Its own insert's announcement drops the entry once more; cache it after that.
    await expect.poll(() => heard.includes(sha256(real.key))).toBe(true);
    // Made here: works on the next request, though this replica remembers nothing about it yet.
    expect(await store.verify(real.key)).toMatchObject({ id: real.record.id });
    for (let round = 0; round < 10; round++)
      await Promise.all(Array.from({ length: 50 }, () => store.verify(madeUp())));
    expect(store.cached()).toEqual({ keys: 1, unknown: 100 });
    // Answered from memory (no promise): 500 made-up keys did not push it out.
    expect(store.verify(real.key)).toMatchObject({ id: real.record.id });
    const later = await store.create({ name: "after the flood" });
    expect(await store.verify(later.key)).toMatchObject({ id: later.record.id });
    const other = b.gateway.keys;
    await expect.poll(() => other.verify(later.key), { timeout: 5000, interval: 20 }).not.toBeNull();
  });
});
