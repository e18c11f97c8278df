import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresApiKeyRepository } from "../api-keys/postgres.ts";
import { openPostgresDeskAdminRepository } from "../desk-admin/postgres.ts";
import { PostgresDeskEvents } from "../desk-events/postgres.ts";
import { openPostgresFeedbackRepository } from "../feedback/postgres.ts";
import { freePort } from "../testing/free-port.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresConversationStore } from "./conversation-store.ts";
import { openPostgresDatabase } from "./database.ts";

let server: TestPostgres;
let url: string;
let admin: pg.Client;
beforeAll(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase("shared_handle");
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

const connections = async (name: string): Promise<number> => {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
    [name],
  );
  return rows[0].n;
};

interface Heard {
  notes: string[];
  gaps: string[];
}

const recorder = (): Heard & { sub: { onNotify(p: string, c: string): void; onGap(r: string): void } } => {
  const h: Heard = { notes: [], gaps: [] };
  return {
    ...h,
    sub: { onNotify: (p, c) => h.notes.push(`${c}:${p}`), onGap: (r) => h.gaps.push(r) },
  };
};

describe("PostgresDatabase", () => {
  it("carries every subscriber's channels on one LISTEN connection and re-LISTENs them all after it is killed", async () => {
    const db = openPostgresDatabase({
      url,
      poolSize: 3,
      applicationName: "handle-relisten",
      reconnectMs: 20,
    });
    const a = recorder();
    const b = recorder();
    const sa = db.listener.subscribe("chan_a", a.sub);
    const sb = db.listener.subscribe(["chan_b", "chan_c"], b.sub);
    try {
      await Promise.all([sa.started, sb.started]);
      expect(await connections("handle-relisten")).toBe(1);
      await admin.query(
        "SELECT pg_notify('chan_a', '1'), pg_notify('chan_b', '2'), pg_notify('chan_c', '3')",
      );
      await expect.poll(() => a.notes.length + b.notes.length).toBe(3);
      expect(a.notes).toEqual(["chan_a:1"]);
      expect(b.notes).toEqual(["chan_b:2", "chan_c:3"]);

      const first = db.listener.backendPid;
      expect(first).not.toBeNull();
      const killed = await admin.query("SELECT pg_terminate_backend($1)", [first]);
      expect(killed.rowCount).toBe(1);
      // Each subscriber hears the loss and, once its channels are LISTENed again, `listening`.
      await expect
        .poll(() => [a.gaps, b.gaps], { timeout: 5000 })
        .toEqual([
          ["listening", "lost", "listening"],
          ["listening", "lost", "listening"],
        ]);
      expect(db.listener.backendPid).not.toBe(first);
      await admin.query(
        "SELECT pg_notify('chan_a', '4'), pg_notify('chan_b', '5'), pg_notify('chan_c', '6')",
      );
      await expect.poll(() => a.notes.length + b.notes.length).toBe(6);
      expect(a.notes).toEqual(["chan_a:1", "chan_a:4"]);
      expect(b.notes).toEqual(["chan_b:2", "chan_c:3", "chan_b:5", "chan_c:6"]);
      expect(await connections("handle-relisten")).toBe(1);
    } finally {
      await sa.stop();
      await sb.stop();
      await db.close();
    }
  });

  it("holds at most poolSize + 1 connections for every repository of a process, under load", async () => {
    const name = "handle-bound";
    const db = openPostgresDatabase({ url, poolSize: 3, applicationName: name });
    const conversations = await openPostgresConversationStore(db);
    const feedback = await openPostgresFeedbackRepository(db);
    const keys = await openPostgresApiKeyRepository(db);
    const deskAdmin = await openPostgresDeskAdminRepository(db);
    const events = new PostgresDeskEvents(db);
    const keyWatch = keys.watch({ changed: () => undefined, gap: () => undefined });
    const adminWatch = deskAdmin.watch({ changed: () => undefined, gap: () => undefined });
    const eventListen = events.listen({
      conversation: () => undefined,
      agent: () => undefined,
      listening: () => undefined,
    });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await connections(name));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await Promise.all([keyWatch.started, adminWatch.started, eventListen.started]);
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const conv = await conversations.createConversation({ userId: `u${i}` });
          await feedback.rate(conv.id, 1 + (i % 5));
          await keys.anyExists();
          await deskAdmin.saveSettings({ [`s${i}`]: i });
          await events.appendAgentEvent(Date.now(), JSON.stringify({ i }));
          await events.notifyConversations([`{"i":${i}}`]);
          await db.pool.query("SELECT pg_sleep(0.01)");
        }),
      );
      sampling = false;
      await sampler;
      // The pool filled up (3) beside the one LISTEN connection, and never went past it.
      expect(peak).toBe(4);
      expect(db.pool.totalCount).toBeLessThanOrEqual(3);
    } finally {
      sampling = false;
      await sampler;
      await keyWatch.stop();
      await adminWatch.stop();
      await eventListen.stop();
      // Repositories on a shared handle leave it open: its opener closes it.
      for (const r of [conversations, feedback, keys, deskAdmin, events]) await r.close();
      expect((await db.pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await db.close();
      await db.close();
    }
    await expect.poll(() => connections(name)).toBe(0);
  });

  it("drops the LISTEN connection when the last subscriber stops, and opens it again for the next", async () => {
    const name = "handle-idle";
    const db = openPostgresDatabase({ url, poolSize: 1, applicationName: name });
    try {
      const heard = recorder();
      const s = db.listener.subscribe("chan_idle", heard.sub);
      await s.started;
      expect(await connections(name)).toBe(1);
      await s.stop();
      expect(db.listener.backendPid).toBeNull();
      await expect.poll(() => connections(name)).toBe(0);
      const again = recorder();
      const t = db.listener.subscribe("chan_idle", again.sub);
      await t.started;
      await admin.query("NOTIFY chan_idle, 'back'");
      await expect.poll(() => again.notes).toEqual(["chan_idle:back"]);
      expect(heard.notes).toEqual([]);
      await t.stop();
    } finally {
      await db.close();
    }
  });

  it("refuses a first subscription that must not start deaf when the server is unreachable, retries the others", async () => {
    const port = await freePort();
    const db = openPostgresDatabase({ url: `postgres://postgres@127.0.0.1:${port}/x`, reconnectMs: 20 });
    try {
      const strict = db.listener.subscribe("chan_s", recorder().sub, { rejectFirstFailure: true });
      await expect(strict.started).rejects.toThrow(/ECONNREFUSED/);
      const lenient = db.listener.subscribe("chan_l", recorder().sub);
      await expect(lenient.started).resolves.toBeUndefined();
      await lenient.stop();
    } finally {
      await db.close();
    }
  });

  it("rejects a channel name that is not an identifier and a pool size that is not a positive integer", () => {
    const db = openPostgresDatabase({ url });
    expect(() => db.listener.subscribe("a; DROP TABLE x", recorder().sub)).toThrow(
      /bad notification channel/,
    );
    expect(() => openPostgresDatabase({ url, poolSize: 0 })).toThrow(/positive integer, got 0/);
    return db.close();
  });
});
