import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "@seekdesk/store";
import { afterAll, describe, expect, it } from "vitest";
import { type CliRun, runSeekdesk } from "../testing/run-cli.ts";
import { spawnServe } from "../testing/serve-child.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-keys-cli-"));
const dataDir = join(dir, "data");
const running: ChildProcess[] = [];

afterAll(() => {
  for (const c of running) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<CliRun> {
  return runSeekdesk([...args, "--data-dir", dataDir], { cwd: dir });
}

/** `seekdesk serve` on the same data directory, on a free port; resolves with its URL. */
async function serve(): Promise<string> {
  const { child, url } = spawnServe(["--data-dir", dataDir], dir);
  running.push(child);
  return url;
}

describe("seekdesk keys", () => {
  it("explains scopes and origins in --help", async () => {
    const help = await run(["keys", "create", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--scope <scope>/);
    expect(help.stdout).toMatch(/--origin <origin>/);
    expect(help.stdout).toContain("x-seekdesk-visitor");
  });

  it("refuses an unknown scope and anything that is not an origin", async () => {
    const scope = await run(["keys", "create", "--scope", "admin"]);
    expect(scope.code).toBe(1);
    expect(scope.stderr).toContain("--scope: expected api or widget, got admin");
    for (const bad of ["https://shop.example.com/cart", "shop.example.com"]) {
      const res = await run(["keys", "create", "--scope", "widget", "--origin", bad]);
      expect(res.code, bad).toBe(1);
      expect(res.stderr, bad).toContain(`'${bad}' is not an origin`);
    }
    const list = await run(["keys", "list", "--json"]);
    expect(list.stdout).toBe("");
  });

  it("creates a widget key for given origins that the server opens only to the widget, from those pages", async () => {
    const created = await run([
      "keys",
      "create",
      "--name",
      "shop",
      "--scope",
      "widget",
      "--origin",
      "https://Shop.Example.com",
      "--origin",
      "http://localhost:8080,https://m.shop.example.com:8443",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const widget = JSON.parse(created.stdout);
    expect(widget).toMatchObject({
      name: "shop",
      scope: "widget",
      origins: ["https://shop.example.com", "http://localhost:8080", "https://m.shop.example.com:8443"],
    });
    const backend = await run(["keys", "create", "--name", "crm"]);
    expect(backend.code).toBe(0);
    expect(backend.stderr).toContain("scope api");

    const table = (await run(["keys", "list"])).stdout.trim().split("\n");
    expect(table[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPE\s+ORIGINS\s+MODELS\s+RPM/);
    expect(table[1]).toMatch(/\sshop\s.*\swidget\s+https:\/\/shop\.example\.com,http:\/\/localhost:8080,/);
    expect(table[2]).toMatch(/\scrm\s.*\sapi\s+\*\s+\*\s/);

    const url = await serve();
    const headers = {
      authorization: `Bearer ${widget.key}`,
      "x-seekdesk-visitor": "widget-5c3e1a9b-7d2f-4e8a-b6c0-1f2e3d4c5b6a",
      "content-type": "application/json",
    };
    const start = (origin: string) =>
      fetch(`${url}/api/conversations`, {
        method: "POST",
        headers: { ...headers, origin },
        body: JSON.stringify({ userId: headers["x-seekdesk-visitor"], channel: "web" }),
      });
    const ok = await start("http://localhost:8080");
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:8080");
    const elsewhere = await start("https://elsewhere.example");
    expect(elsewhere.status).toBe(403);
    expect((await elsewhere.json()).error.code).toBe("origin_not_allowed");
    const models = await fetch(`${url}/v1/models`, { headers });
    expect(models.status).toBe(403);
    expect((await models.json()).error.message).toMatch(/scoped to the chat widget/);
    const crm = await fetch(`${url}/v1/models`, {
      headers: { authorization: `Bearer ${backend.stdout.trim()}` },
    });
    expect(crm.status).toBe(200);

    // Uses are written in batches; stopping the server writes what it has.
    const server = running.at(-1) as ChildProcess;
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
    const used = (await run(["keys", "list"])).stdout.trim().split("\n");
    expect(used[0]).toMatch(/\sTPM\s+LAST USED\s+CREATED\s/);
    const lastUsed = (line = "") => line.match(/\s(\d{4}-\d\d-\d\dT[\d:.]+Z)\s+\d{4}-/)?.[1];
    for (const name of [" shop ", " crm "]) {
      const at = Date.parse(lastUsed(used.find((l) => l.includes(name))) ?? "");
      expect(Date.now() - at).toBeLessThan(60_000);
    }
    const unused = await run(["keys", "create", "--name", "idle"]);
    expect(unused.code).toBe(0);
    expect((await run(["keys", "list"])).stdout).toMatch(/\sidle\s.*\snever\s+\d{4}-/);
  }, 60_000);

  it("creates a key that expires, lists its expiry, marks it expired once past, and refuses a bad --expires", async () => {
    const made = await run([
      ...["keys", "create", "--name", "contractor", "--expires", "30d"],
      ...["--model", "deepseek-r1,qwen", "--model", "llama", "--json"],
    ]);
    expect(made.code).toBe(0);
    const key = JSON.parse(made.stdout);
    expect(key.models).toEqual(["deepseek-r1", "qwen", "llama"]);
    const days = (Date.parse(key.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const listed = async () => (await run(["keys", "list"])).stdout.trim().split("\n");
    const row = async () => (await listed()).find((l) => l.includes(key.id)) ?? "";
    expect((await listed())[0]).toMatch(/\sCREATED\s+EXPIRES\s+STATUS$/);
    expect(await row()).toMatch(
      new RegExp(`\\sdeepseek-r1,qwen,llama\\s.*${key.expiresAt.replace(/\./g, "\\.")}\\s+active$`),
    );

    // Its time passes (written into the server's SQLite file, as the clock would bring it).
    const db = openSqlite(join(dataDir, "seekdesk.sqlite"));
    try {
      db.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?").run("2026-01-01T00:00:00.000Z", key.id);
    } finally {
      db.close();
    }
    expect(await row()).toMatch(/2026-01-01T00:00:00\.000Z\s+expired$/);

    // Changed in place: limits, models and expiry; the same key and id.
    const updated = await run([
      ...["keys", "update", key.id, "--rpm", "120", "--tpm", "none"],
      ...["--any-model", "--expires", "never", "--json"],
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      id: key.id,
      rpm: 120,
      tpm: null,
      models: null,
      expiresAt: null,
    });
    expect(await row()).toMatch(/\scontractor\s.*\sapi\s+\*\s+\*\s+120\s+-\s.*\snever\s+active$/);
    const nothing = await run(["keys", "update", key.id]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain("keys update: nothing to change");
    const unknown = await run(["keys", "update", "key_nope", "--rpm", "5"]);
    expect(unknown.stderr).toContain("keys update: no key with id key_nope");
    const rotated = await run(["keys", "rotate", key.id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout.trim()).toMatch(/^sk-sd-\S{40,}$/);
    expect(rotated.stdout.trim()).not.toBe(key.key);
    expect(rotated.stderr).toContain(`rotated ${key.id} (contractor): the old secret no longer works`);
    expect(await row()).toContain(`${rotated.stdout.trim().slice(0, 12)}…`);
    expect((await run(["keys", "rotate", "key_nope"])).stderr).toContain(
      "keys rotate: no key with id key_nope",
    );
    const other = JSON.parse((await run(["keys", "create", "--name", "gone", "--json"])).stdout);
    expect((await run(["keys", "revoke", other.id])).code).toBe(0);
    const late = await run(["keys", "update", other.id, "--rpm", "5"]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(
      /^seekdesk: Key key_\w+ was revoked at \S+ and can no longer be changed; create a new key instead\n$/,
    );

    for (const [bad, says] of [
      [
        "soon",
        "--expires: expected a duration such as 30d, 12h, 90m or 8w, or a date such as 2027-01-31, got soon",
      ],
      ["2020-01-01", "--expires: 2020-01-01 is not in the future"],
    ]) {
      const res = await run(["keys", "create", "--expires", bad]);
      expect(res.code, bad).toBe(1);
      expect(res.stderr, bad).toContain(says);
    }
  });
});
