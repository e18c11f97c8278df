import { eventually } from "@seekdesk/core/testing/eventually.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../sqlite.ts";
import { deskAdminRepositoryContract } from "../testing/desk-admin-repository-contract.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresDeskAdminRepository } from "./postgres.ts";
import { SqliteDeskAdminRepository } from "./sqlite.ts";
import type { DeskAdminChange } from "./types.ts";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

deskAdminRepositoryContract("SQLite", async () => new SqliteDeskAdminRepository(openSqlite(":memory:")));
deskAdminRepositoryContract("Postgres", async () =>
  openPostgresDeskAdminRepository(await server.createDatabase("desk_admin_contract")),
);

describe("PostgresDeskAdminRepository.watch", () => {
  it("tells a second replica what changed as it commits, and reports a lost connection and its return", async () => {
    const url = await server.createDatabase("desk_admin_watch");
    const a = await openPostgresDeskAdminRepository(url);
    const b = await openPostgresDeskAdminRepository(url, { reconnectMs: 50 });
    const heard: DeskAdminChange[] = [];
    const gaps: string[] = [];
    const watch = b.watch({ changed: (w) => heard.push(w), gap: (r) => gaps.push(r) });
    try {
      await watch.started;
      expect(gaps).toEqual(["listening"]);
      await a.saveSettings({ handoffThreshold: 0.9, windowTurns: 4 });
      await a.recordExample({ intent: "warranty", text: "zorblax", op: "add" });
      await a.recordTraining();
      // One statement, one notification: two settings saved together are heard once.
      await eventually("three changes", () => heard.length >= 3);
      expect(heard).toEqual(["settings", "examples", "training"]);

      // Cut the listening connection from the server side: the watch says so and listens again.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN seekdesk_desk_admin'",
      );
      await admin.end();
      await eventually("a lost connection and a new LISTEN", () => gaps.length >= 3);
      expect(gaps).toEqual(["listening", "lost", "listening"]);
      await a.forgetExample("warranty", "zorblax");
      await eventually("the change after reconnecting", () => heard.length >= 4);
      expect(heard.at(-1)).toBe("examples");
    } finally {
      await watch.stop();
      await a.close();
      await b.close();
    }
  });
});
