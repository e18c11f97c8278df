import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../sqlite.ts";
import { apiKeyRepositoryContract } from "../testing/api-key-repository-contract.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresApiKeyRepository } from "./postgres.ts";
import { POSTGRES_API_KEY_MIGRATIONS } from "./schema.ts";
import { SqliteApiKeyRepository } from "./sqlite.ts";
import type { ApiKeyRow } from "./types.ts";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

apiKeyRepositoryContract("SQLite", async () => new SqliteApiKeyRepository(openSqlite(":memory:")));
let n = 0;
apiKeyRepositoryContract("Postgres", async () =>
  openPostgresApiKeyRepository(await server.createDatabase(`keys_${n++}`)),
);

const key = (id: string): ApiKeyRow => ({
  id,
  name: id,
  hash: id.padEnd(64, "a"),
  prefix: "sk-sd-xxxxxx",
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

describe("Postgres API keys across replicas", () => {
  it("tells a watching replica about keys created and revoked by another, as they commit", async () => {
    const url = await server.createDatabase("keys_watch");
    const a = await openPostgresApiKeyRepository(url);
    const b = await openPostgresApiKeyRepository(url);
    const heard: string[] = [];
    let gaps = 0;
    const { stop } = b.watch({ changed: (h) => heard.push(h), gap: () => gaps++ });
    try {
      await expect.poll(() => gaps).toBe(1);
      await a.insert(key("w1"));
      await expect.poll(() => heard).toEqual([key("w1").hash]);
      await a.revoke("w1", new Date().toISOString());
      await expect.poll(() => heard.length).toBe(2);
      // A change typed into psql is announced too: the trigger, not the application, notifies.
      await a.pool.query("UPDATE api_keys SET rpm = 5 WHERE id = 'w1'");
      await expect.poll(() => heard.length).toBe(3);
      // A recorded use is not announced (replicas would re-read busy keys for nothing); the
      // change after it is, so had the use been announced it would have arrived first.
      await a.markUsed([{ id: "w1", at: new Date().toISOString() }]);
      await a.pool.query("UPDATE api_keys SET tpm = 50 WHERE id = 'w1'");
      await expect.poll(() => heard.length).toBe(4);
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toHaveLength(4);
    } finally {
      await stop();
      await a.close();
      await b.close();
    }
  });

  it("reports a gap when the notification connection is lost and listens again", async () => {
    const url = await server.createDatabase("keys_gap");
    const a = await openPostgresApiKeyRepository(url);
    const b = await openPostgresApiKeyRepository(url, { reconnectMs: 20 });
    const heard: string[] = [];
    let gaps = 0;
    const { stop } = b.watch({ changed: (h) => heard.push(h), gap: () => gaps++ });
    try {
      await expect.poll(() => gaps).toBe(1);
      await a.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`,
      );
      // One gap for the loss, one when listening again.
      await expect.poll(() => gaps, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
      await a.insert(key("g1"));
      await expect.poll(() => heard).toEqual([key("g1").hash]);
    } finally {
      await stop();
      await a.close();
      await b.close();
    }
  });

  it("migrates the keys domain once for replicas starting together", async () => {
    const url = await server.createDatabase("keys_race");
    const repos = await Promise.all([1, 2, 3].map(() => openPostgresApiKeyRepository(url)));
    const { rows } = await repos[0].pool.query(
      "SELECT domain, version FROM schema_migrations ORDER BY version",
    );
    expect(rows).toEqual(POSTGRES_API_KEY_MIGRATIONS.map((m) => ({ domain: "keys", version: m.version })));
    await Promise.all(repos.map((r) => r.close()));
  });
});
