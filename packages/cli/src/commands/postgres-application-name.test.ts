import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeekdesk } from "../testing/run-cli.ts";

/**
 * The one-shot commands name their Postgres connections `seekdesk <command>`, so an operator
 * looking at pg_stat_activity (a lock held, max_connections reached) tells them from the
 * servers' `seekdesk`. A command lives for milliseconds; to see it there, the test holds the
 * advisory lock the command's migration step takes, so the command waits, connected, until the
 * test lets it go.
 */
let server: TestPostgres;
let admin: pg.Client;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), "seekdesk-pg-app-name-"));

beforeAll(async () => {
  server = await startTestPostgres();
  const url = await server.createDatabase("application_name");
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: url, SEEKDESK_DATA_DIR: dir };
});
afterAll(async () => {
  await admin?.end();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const named = async (name: string) =>
  (
    await admin.query<{ wait_event_type: string | null }>(
      "SELECT wait_event_type FROM pg_stat_activity WHERE application_name = $1",
      [name],
    )
  ).rows;

describe("seekdesk keys, accounts, users and tickets on Postgres", () => {
  it.each([
    { args: ["keys", "list"], domain: "keys", name: "seekdesk keys", exit: { code: 0, stderr: "" } },
    {
      args: ["accounts", "list"],
      domain: "accounts",
      name: "seekdesk accounts",
      exit: { code: 0, stderr: "" },
    },
    {
      args: ["users", "export", "nobody"],
      domain: "conversations",
      name: "seekdesk users",
      // An empty database: the command ran its query and answered.
      exit: { code: 1, stderr: "seekdesk: nothing is stored about user nobody\n" },
    },
    {
      args: ["tickets", "list"],
      domain: "conversations",
      name: "seekdesk tickets",
      exit: { code: 0, stderr: "" },
    },
  ])(
    "$args.0 $args.1 shows in pg_stat_activity as $name while it runs",
    async ({ args, domain, name, exit }) => {
      const lock = `seekdesk:migrate:${domain}`;
      await admin.query("SELECT pg_advisory_lock(hashtext($1))", [lock]);
      let run: ReturnType<typeof runSeekdesk> | undefined;
      try {
        run = runSeekdesk(args, { env });
        // Waiting on the lock the test holds: the command's own connection, by its name.
        await expect.poll(() => named(name), { timeout: 15_000 }).toEqual([{ wait_event_type: "Lock" }]);
      } finally {
        await admin.query("SELECT pg_advisory_unlock(hashtext($1))", [lock]);
      }
      expect(await run).toMatchObject(exit);
      // Nothing of it is left once it has exited, and no connection went unnamed meanwhile.
      expect(await named(name)).toEqual([]);
      const { rows } = await admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name = ''",
      );
      expect(rows[0].n).toBe(0);
    },
  );
});
