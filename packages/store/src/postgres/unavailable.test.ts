import { StoreUnavailableError, type StoreUnavailableReason } from "@seekdesk/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresConversationStore } from "./conversation-store.ts";
import { openPostgresDatabase, type PostgresDatabase } from "./database.ts";

/**
 * The shared pool turns "Postgres cannot answer" into StoreUnavailableError, whatever the way in
 * (pool.query, pool.connect, a pooled client's query inside a transaction), on a real server:
 * exhausted, its backends terminated, over a connection limit, stopped. A query's own failure
 * stays what it was.
 */
let server: TestPostgres;
let url: string;
let admin: pg.Client;
const opened: PostgresDatabase[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("store_unavailable");
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  for (const db of opened) await db.close();
  await admin?.end().catch(() => undefined);
  await server?.stop();
});

function open(opts: { poolSize?: number; acquireTimeoutMs?: number; url?: string } = {}): {
  db: PostgresDatabase;
  heard: StoreUnavailableReason[];
} {
  const db = openPostgresDatabase({ url: opts.url ?? url, pingMs: null, ...opts });
  opened.push(db);
  const heard: StoreUnavailableReason[] = [];
  db.onUnavailable((r) => heard.push(r));
  return { db, heard };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected the query to fail");
    },
    (err: unknown) => err,
  );
}

describe("StoreUnavailableError from the shared pool", () => {
  it("fails a query that waited store.acquireTimeoutMs for the only connection, and serves the next once it is free", async () => {
    const { db, heard } = open({ poolSize: 1, acquireTimeoutMs: 300 });
    const held = await db.pool.connect();
    const started = performance.now();
    const err = await failure(db.pool.query("SELECT 1"));
    const waited = performance.now() - started;
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ reason: "pool_timeout", status: 503, code: "store_unavailable" });
    expect((err as StoreUnavailableError).retryAfterSeconds).toBe(1);
    expect((err as Error).cause).toBeInstanceOf(Error);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2000);
    // pool.connect, as the repositories' transactions check out a client, fails the same way.
    expect(await failure(db.pool.connect())).toMatchObject({ reason: "pool_timeout" });
    expect(heard).toEqual(["pool_timeout", "pool_timeout"]);
    held.release();
    expect((await db.pool.query<{ n: number }>("SELECT 1 AS n")).rows[0].n).toBe(1);
  });

  it("fails a query whose connection the server terminates under it (57P01), and reconnects for the next", async () => {
    const { db } = open({ poolSize: 2 });
    const client = await db.pool.connect();
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    const sleeping = failure(client.query("SELECT pg_sleep(30)"));
    await new Promise((r) => setTimeout(r, 100));
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const err = await sleeping;
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).reason).toMatch(/^(shutdown|connection_lost)$/);
    client.release(err as Error);
    expect((await db.pool.query<{ n: number }>("SELECT 2 AS n")).rows[0].n).toBe(2);
  });

  it("counts a transaction whose connection is terminated once, drops that connection, and rolls back a transaction's own error", async () => {
    const { db, heard } = open({ poolSize: 1 });
    await db.pool.query("CREATE TABLE IF NOT EXISTS tx_probe (n int)");
    const pids: number[] = [];
    const err = await failure(
      db.transaction(async (c) => {
        pids.push((await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid);
        await c.query("INSERT INTO tx_probe VALUES (1)");
        await admin.query("SELECT pg_terminate_backend($1)", [pids[0]]);
        await c.query("SELECT 1");
      }),
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    // One outage, one count: no second one from a ROLLBACK sent down the dead connection.
    expect(heard).toHaveLength(1);
    // The only pooled connection was discarded, not handed out again: the next one is new.
    const next = await db.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(next.rows[0].pid).not.toBe(pids[0]);
    const own = await failure(
      db.transaction(async (c) => {
        await c.query("INSERT INTO tx_probe VALUES (2)");
        await c.query("SELEC 1");
      }),
    );
    expect(own).toMatchObject({ code: "42601" });
    expect((await db.pool.query("SELECT n FROM tx_probe")).rows).toEqual([]);
    expect(heard).toHaveLength(1);
  });

  it("fails connections over a connection limit (53300) as too_many_connections", async () => {
    await admin.query("CREATE ROLE capped LOGIN CONNECTION LIMIT 0");
    const { db } = open({ url: url.replace("postgres@", "capped@") });
    const err = await failure(db.pool.query("SELECT 1"));
    expect(err).toMatchObject({ reason: "too_many_connections", code: "store_unavailable" });
  });

  it("leaves a query's own errors (syntax, constraint) as they were", async () => {
    const { db, heard } = open();
    const syntax = await failure(db.pool.query("SELEC 1"));
    expect(syntax).not.toBeInstanceOf(StoreUnavailableError);
    expect(syntax).toMatchObject({ code: "42601" });
    const store = await openPostgresConversationStore(db);
    const err = await failure(store.setConversationStatus("conv_missing", "closed"));
    expect(err).toMatchObject({ status: 404, code: "conversation_not_found" });
    expect(heard).toEqual([]);
  });

  it("fails fast while the server is stopped, without crashing on the transaction's dead connection, and stores the retried message once when it is back", async () => {
    const { db, heard } = open({ poolSize: 2 });
    const store = await openPostgresConversationStore(db);
    const conv = await store.createConversation({ userId: "u-outage" });
    await admin.end();
    await server.halt();
    try {
      const started = performance.now();
      const err = await failure(
        store.appendMessage(conv.id, { role: "user", text: "hello", idempotencyKey: "k1" }),
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      // The pooled connection hears the shutdown (57P01) or is already gone (refused).
      expect((err as StoreUnavailableError).reason).toMatch(/^(unreachable|shutdown|connection_lost)$/);
      expect((err as StoreUnavailableError).retryAfterSeconds).toBe(5);
      // Nothing pooled is left: a new connection is refused at once.
      expect(await failure(store.getConversation(conv.id))).toMatchObject({ reason: "unreachable" });
      expect(heard).toContain("unreachable");
    } finally {
      await server.restart();
    }
    const first = await store.appendMessage(conv.id, { role: "user", text: "hello", idempotencyKey: "k1" });
    const again = await store.appendMessage(conv.id, { role: "user", text: "hello", idempotencyKey: "k1" });
    expect([first.duplicate, again.duplicate]).toEqual([false, true]);
    expect((await store.listMessages(conv.id)).map((m) => [m.seq, m.text])).toEqual([[1, "hello"]]);
  });
});
