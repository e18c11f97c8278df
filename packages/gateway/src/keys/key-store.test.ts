import { createHash } from "node:crypto";
import { retryAfterSeconds, StoreUnavailableError } from "@seekdesk/core";
import {
  type ApiKeyRepository,
  openPostgresApiKeyRepository,
  PostgresApiKeyRepository,
} from "@seekdesk/store";
import { freePort } from "@seekdesk/store/testing/free-port.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempGateway } from "../testing/temp-gateway.ts";
import { ApiKeyStore, KEY_CACHE_TTL_MS } from "./key-store.ts";

let pg: TestPostgres;
let url: string;
const open: ApiKeyStore[] = [];

beforeAll(async () => {
  pg = await startTestPostgres();
  url = await pg.createDatabase("key_cache");
});
afterAll(async () => {
  for (const s of open) await s.close();
  await pg?.stop();
});

const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");

const heard = new WeakMap<ApiKeyStore, string[]>();

async function replica(opts: { cacheTtlMs?: number; deaf?: boolean } = {}): Promise<ApiKeyStore> {
  const mine: string[] = [];
  const repo: ApiKeyRepository = await openPostgresApiKeyRepository(url);
  // A replica whose notification connection is gone: only the cache lifetime bounds staleness.
  if (opts.deaf) repo.watch = undefined;
  const store = new ApiKeyStore(repo, {
    cacheTtlMs: opts.cacheTtlMs,
    onChange: (hash) => mine.push(hash),
  });
  heard.set(store, mine);
  await store.open();
  open.push(store);
  return store;
}

/** Creates a key on `store` and waits until `store` has heard its own insert announced (which drops it from the cache). */
async function created(store: ApiKeyStore, opts: { name: string; rpm?: number }) {
  const made = await store.create(opts);
  await expect.poll(() => heard.get(store)?.includes(sha256(made.key))).toBe(true);
  return made;
}

describe("API key cache over Postgres", () => {
  it("answers a known key from memory without a promise, and an unknown one once per lifetime", async () => {
    const a = await replica();
    const { key, record } = await created(a, { name: "hot", rpm: 10 });
    const first = a.verify(key);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ id: record.id, rpm: 10 });
    expect(a.verify(key)).toMatchObject({ id: record.id });
    const unknown = "sk-sd-not-a-key-of-ours-000000000000000000000";
    expect(await a.verify(unknown)).toBeNull();
    expect(a.verify(unknown)).toBeNull();
    expect(a.verify("not even our prefix")).toBeNull();
  });

  it("gives every replica a key's changed limits once the change is announced, not a cache lifetime later", async () => {
    const a = await replica({ cacheTtlMs: 60_000 });
    const b = await replica({ cacheTtlMs: 60_000 });
    const { key, record } = await created(a, { name: "limits", rpm: 10 });
    // b too has heard the insert (which drops a cached copy), so what it caches next stays cached.
    await expect.poll(() => heard.get(b)?.includes(sha256(key))).toBe(true);
    expect(await b.verify(key)).toMatchObject({ rpm: 10 });
    expect(b.verify(key)).toMatchObject({ rpm: 10 });
    await a.update(record.id, { rpm: 99, models: ["deepseek-chat"] });
    // a applies it at once; b when Postgres's notification of the UPDATE arrives.
    expect(await a.verify(key)).toMatchObject({ rpm: 99, models: ["deepseek-chat"] });
    await expect.poll(async () => (await b.verify(key))?.rpm, { timeout: 5000 }).toBe(99);
  });

  it("stops answering a cached key from memory at its expiry time, long before the cache lifetime (60 s)", async () => {
    const a = await replica({ cacheTtlMs: 60_000 });
    const { key } = await created(a, { name: "expiring" });
    // Two seconds of life: room for the notification and first lookup on a loaded machine.
    const expiresAt = new Date(Date.now() + 2000);
    const made = await a.create({ name: "expiring soon", expiresAt });
    await expect.poll(() => heard.get(a)?.includes(sha256(made.key))).toBe(true);
    expect(await a.verify(made.key)).toMatchObject({ id: made.record.id });
    expect(a.verify(made.key)).toMatchObject({ id: made.record.id });
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    expect(a.verify(made.key)).toBeNull();
    // A key without an expiry is unaffected.
    expect(await a.verify(key)).not.toBeNull();
  });

  it("stops honouring a key revoked on another replica within the cache lifetime even without notifications", async () => {
    const a = await replica();
    const deaf = await replica({ cacheTtlMs: 400, deaf: true });
    const { key, record } = await a.create({ name: "to revoke" });
    expect(await deaf.verify(key)).not.toBeNull();
    expect(deaf.verify(key)).not.toBeNull();
    await a.revoke(record.id);
    const t0 = Date.now();
    let seen: unknown = deaf.verify(key);
    while ((seen instanceof Promise ? await seen : seen) !== null) {
      // The cache life plus one read, with room for a busy machine; without the bound it would be never.
      expect(Date.now() - t0).toBeLessThan(400 + 1000);
      await new Promise((r) => setTimeout(r, 10));
      seen = deaf.verify(key);
    }
  });

  it("refreshes a hot key in the background: callers keep getting answers at once", async () => {
    // Long enough that a stalled event loop on a busy CI box does not let the entry expire between polls.
    const a = await replica({ cacheTtlMs: 1000 });
    const { key } = await created(a, { name: "steady" });
    await a.verify(key);
    let reads = 0;
    const find = a.repo.findByHash.bind(a.repo);
    a.repo.findByHash = (hash) => {
      reads++;
      return find(hash);
    };
    let waited = 0;
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      if (a.verify(key) instanceof Promise) waited++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(waited).toBe(0);
    // Refreshed at half its life, so read again (about every 0.5 s) rather than held for ever.
    expect(reads).toBeGreaterThanOrEqual(2);
  });

  it("refuses a rotated key's old secret on every replica once the change is announced, and takes the new one", async () => {
    const a = await replica({ cacheTtlMs: 60_000 });
    const b = await replica({ cacheTtlMs: 60_000 });
    const { key, record } = await created(a, { name: "to rotate", rpm: 30 });
    await expect.poll(() => heard.get(b)?.includes(sha256(key))).toBe(true);
    expect(await b.verify(key)).toMatchObject({ id: record.id });
    expect(b.verify(key)).toMatchObject({ id: record.id });
    const rotated = await a.rotate(record.id);
    expect(rotated?.key).not.toBe(key);
    expect(rotated?.record).toMatchObject({ id: record.id, name: "to rotate", rpm: 30 });
    // a at once; b when Postgres announces the old hash, not a cache lifetime (60 s) later.
    expect(await a.verify(key)).toBeNull();
    await expect.poll(async () => await b.verify(key), { timeout: 5000 }).toBeNull();
    expect(await b.verify(rotated?.key ?? "")).toMatchObject({ id: record.id, rpm: 30 });
    expect(await a.rotate("key_nope")).toBeNull();
    await a.revoke(record.id);
    await expect(a.rotate(record.id)).rejects.toMatchObject({ status: 409, code: "key_revoked" });
  });

  it("keeps the uses it could not write during a Postgres outage and writes them once it is back", async () => {
    // A server of its own: halting the shared one would cut every other test's replicas.
    const own = await startTestPostgres();
    try {
      const store = new ApiKeyStore(await openPostgresApiKeyRepository(await own.createDatabase("key_uses")));
      await store.open();
      const { record } = await store.create({ name: "busy" });
      const usedAt = Date.now();
      store.noteUse(record.id);
      await own.halt();
      await expect(store.writeUses()).rejects.toBeInstanceOf(Error);
      await own.restart();
      await expect
        .poll(
          () =>
            store.writeUses().then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(true);
      const at = Date.parse((await store.list())[0]?.lastUsedAt ?? "");
      expect(at).toBeGreaterThanOrEqual(usedAt - 1);
      expect(at).toBeLessThan(Date.now());
      await store.close();
    } finally {
      await own.stop();
    }
  });

  it("refuses a key whose expiry passes while its background refresh waits on the database", async () => {
    const a = await replica({ cacheTtlMs: 4000 });
    const expiresAt = new Date(Date.now() + 3000);
    const made = await a.create({ name: "expiring mid-refresh", expiresAt });
    await expect.poll(() => heard.get(a)?.includes(sha256(made.key))).toBe(true);
    expect(await a.verify(made.key)).not.toBeNull();
    const cachedAt = Date.now();
    let started = 0;
    let finished = 0;
    const find = a.repo.findByHash.bind(a.repo);
    a.repo.findByHash = async (hash) => {
      started++;
      try {
        return await find(hash);
      } finally {
        finished++;
      }
    };
    // Another session locks the table, so the refresh's read waits until it lets go.
    const holder = await openPostgresApiKeyRepository(url);
    const session = await holder.pool.connect();
    try {
      await session.query("BEGIN");
      await session.query("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
      // Past half the cache life: the cached key is answered and a refresh starts.
      await new Promise((r) => setTimeout(r, cachedAt + 2100 - Date.now()));
      expect(a.verify(made.key)).toMatchObject({ id: made.record.id });
      expect(started - finished).toBe(1);
      await new Promise((r) => setTimeout(r, expiresAt.getTime() + 50 - Date.now()));
      // Expired, with the entry younger than the cache life and its refresh still waiting.
      expect(Date.now() - cachedAt).toBeLessThan(4000);
      expect(started - finished).toBe(1);
      expect(a.verify(made.key)).toBeNull();
    } finally {
      await session.query("ROLLBACK");
      session.release();
      await holder.close();
    }
    await expect.poll(() => finished).toBe(started);
    expect(await a.verify(made.key)).toBeNull();
  });

  it("records when keys were last used, in one write per replica, without announcing it to other replicas' caches", async () => {
    const a = await replica({ cacheTtlMs: 60_000 });
    const b = await replica({ cacheTtlMs: 60_000 });
    const { key, record } = await created(a, { name: "in use" });
    const idle = await created(a, { name: "idle" });
    await expect.poll(() => heard.get(b)?.includes(sha256(idle.key))).toBe(true);
    const before = Date.now();
    expect(await b.verify(key)).not.toBeNull();
    a.noteUse(record.id);
    b.noteUse(record.id);
    const heardByB = heard.get(b)?.length;
    await a.writeUses();
    await b.writeUses();
    const listed = await a.list();
    const at = Date.parse(listed.find((k) => k.id === record.id)?.lastUsedAt ?? "");
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(listed.find((k) => k.id === idle.record.id)?.lastUsedAt).toBeNull();
    // b keeps its cached copy: answered from memory, and it heard of no change.
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.get(b)).toHaveLength(heardByB ?? -1);
    expect(b.verify(key)).toMatchObject({ id: record.id });
  });

  it("reads the database once for many concurrent first lookups of one key", async () => {
    const a = await replica();
    const { key } = await a.create({ name: "burst" });
    const b = await replica();
    let reads = 0;
    const find = b.repo.findByHash.bind(b.repo);
    b.repo.findByHash = (hash) => {
      reads++;
      return find(hash);
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => b.verify(key)));
    expect(answers.every((r) => r !== null)).toBe(true);
    expect(reads).toBe(1);
  });

  it("takes the cache life from store.keyCacheTtlMs: 0 reads Postgres on every request", async () => {
    const cached = await startTempGateway({ config: { store: { driver: "postgres", url } } });
    const uncached = await startTempGateway({
      config: { store: { driver: "postgres", url, keyCacheTtlMs: 0 } },
    });
    try {
      expect(cached.gateway.keys.ttl).toBe(KEY_CACHE_TTL_MS);
      expect(uncached.gateway.keys.ttl).toBe(0);
      const other = await replica();
      const { key, record } = await other.create({ name: "uncached" });
      const status = async () =>
        (await fetch(`${uncached.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;
      expect(await status()).toBe(200);
      // No notification reaches a store that caches nothing; the very next request reads the revocation.
      const deaf = await replica({ deaf: true });
      await deaf.revoke(record.id);
      expect(await status()).toBe(401);
    } finally {
      await cached.stop();
      await uncached.stop();
    }
  });

  it("answers 503 key_store_unavailable with Retry-After when Postgres cannot be reached for a key it has not cached", async () => {
    // Nothing listens on a fresh free port: a real refused connection.
    const unreachable = `postgres://postgres@127.0.0.1:${await freePort()}/key_cache`;
    const store = new ApiKeyStore(new PostgresApiKeyRepository(unreachable));
    open.push(store);
    const err = await Promise.resolve(store.verify("sk-sd-some-key-0000000000000000000000000000")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ status: 503, code: "key_store_unavailable", reason: "unreachable" });
    expect((err as Error).message).not.toContain("ECONNREFUSED");
    expect(retryAfterSeconds(err as StoreUnavailableError)).toBe(5);
  });
});
