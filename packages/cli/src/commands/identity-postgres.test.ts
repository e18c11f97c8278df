import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consolePlugin } from "@seekdesk/console";
import { KEY_CACHE_TTL_MS } from "@seekdesk/gateway";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeekdesk, SEEKDESK_BIN } from "../testing/run-cli.ts";

/** `seekdesk keys` and `seekdesk accounts` on a machine of their own, against the Postgres of a running replica. */
let pg: TestPostgres;
let env: NodeJS.ProcessEnv;
let gw: TempGateway;
const dir = mkdtempSync(join(tmpdir(), "seekdesk-identity-pg-"));

beforeAll(async () => {
  pg = await startTestPostgres();
  const url = await pg.createDatabase("identity");
  // The CLI's data dir is not the server's: nothing may travel through a SQLite file.
  env = { SEEKDESK_STORE_DRIVER: "postgres", SEEKDESK_STORE_URL: url, SEEKDESK_DATA_DIR: join(dir, "cli") };
  gw = await startTempGateway({
    plugins: [consolePlugin({ distDir: dir })],
    config: { store: { driver: "postgres", url } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const models = (key: string) => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

describe("seekdesk keys and accounts with store.driver postgres", () => {
  it("creates, lists and revokes keys that a running replica honours", async () => {
    const created = await runSeekdesk(["keys", "create", "--name", "ops", "--rpm", "100", "--json"], { env });
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    await expect.poll(async () => (await models(key)).status).toBe(200);
    expect((await models(`${key}x`)).status).toBe(401);

    const listed = await runSeekdesk(["keys", "list", "--json"], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ id, name: "ops", rpm: 100, revokedAt: null });
    expect(listed.stdout).not.toContain(key);

    const revoked = await runSeekdesk(["keys", "revoke", id], { env });
    expect(revoked.code).toBe(0);
    const t0 = Date.now();
    await expect.poll(async () => (await models(key)).status, { timeout: KEY_CACHE_TTL_MS }).toBe(401);
    expect(Date.now() - t0).toBeLessThan(KEY_CACHE_TTL_MS);
    expect((await runSeekdesk(["keys", "revoke", "key_nope"], { env })).code).toBe(1);
    // A key exists (revoked ones count): --if-none creates nothing and succeeds.
    const again = await runSeekdesk(["keys", "create", "--name", "bootstrap", "--if-none"], { env });
    expect(again).toMatchObject({ code: 0, stdout: "" });
    expect(again.stderr).toContain("none created");
  });

  it("creates a console account that signs in on the replica", async () => {
    const child = spawn(
      process.execPath,
      [SEEKDESK_BIN, "accounts", "create", "lead", "--role", "admin", "--password-stdin"],
      { env: { ...process.env, SEEKDESK_CONFIG: "", ...env }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stdin.end("lead-password\n");
    expect(await new Promise((ok) => child.on("close", ok))).toBe(0);
    expect(out).toMatch(/created admin lead/);
    const login = await fetch(`${gw.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "lead", password: "lead-password" }),
    });
    expect(login.status).toBe(200);
    const listed = await runSeekdesk(["accounts", "list", "--json"], { env });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ username: "lead", role: "admin" }]);
  });
});
