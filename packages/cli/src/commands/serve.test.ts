import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DripUpstream, startDripUpstream } from "@seekdesk/gateway/testing/drip-upstream.ts";
import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CliRun, runSeekdesk } from "../testing/run-cli.ts";

const BIN = fileURLToPath(new URL("../../bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "seekdesk-cli-"));
let upstream: DripUpstream;

beforeAll(async () => {
  upstream = await startDripUpstream({ tokens: 150, intervalMs: 4 });
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, SEEKDESK_LOG_LEVEL: "warn", SEEKDESK_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (b: Buffer) => {
    err += b.toString();
  });
  child.stdout?.resume();
  const exit = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
  return { child, stderr: () => err, exit };
}

/** The URL `seekdesk serve` prints once it listens. */
function listeningUrl(s: ReturnType<typeof start>): Promise<string> {
  return new Promise<string>((ok, fail) => {
    const look = () => {
      const m = /listening on (http:\/\/[^\s;]+)/.exec(s.stderr());
      if (m) ok(m[1]);
    };
    s.child.stderr?.on("data", look);
    look();
    s.exit.then((code) => fail(new Error(`exited ${code}: ${s.stderr()}`)));
  });
}

function run(args: string[]): Promise<CliRun> {
  return runSeekdesk(args, { cwd: dir });
}

describe("seekdesk keys", () => {
  it("creates a key shown once, lists it without the secret, revokes it", async () => {
    const data = join(dir, "keys-data");
    const created = await run([
      "keys",
      "create",
      "--name",
      "ci",
      "--rpm",
      "60",
      "--data-dir",
      data,
      "--json",
    ]);
    expect(created.code).toBe(0);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    expect(key).toMatch(/^sk-sd-[\w-]{40,}$/);

    const revoked = await run(["keys", "revoke", id, "--data-dir", data]);
    expect(revoked.code).toBe(0);
    const listed = await run(["keys", "list", "--data-dir", data]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toMatch(/revoked/);
    expect(listed.stdout).not.toContain(key);
  });
});

describe("seekdesk serve", () => {
  it("refuses an invalid config naming the field, and a public address without keys", async () => {
    const bad = await run(["serve", "--port", "eighty", "--data-dir", join(dir, "bad")]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe("seekdesk: config: server.port: expected a port number");
    const open = await run([
      "serve",
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--grpc-port",
      "off",
      "--data-dir",
      join(dir, "open"),
    ]);
    expect(open.code).not.toBe(0);
    expect(open.stderr).toContain("refusing to listen on 0.0.0.0 without API keys");
  });

  it("serves a remote backend, and on SIGTERM finishes the running stream, then exits 0", async () => {
    const s = start([
      "serve",
      "--port",
      "0",
      "--grpc-port",
      "off",
      "--data-dir",
      join(dir, "serve"),
      "--backend-url",
      upstream.url,
      "--backend-model",
      "fixed",
    ]);
    const url = await listeningUrl(s);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "fixed",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    let finish: string | null = null;
    let signalled = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (!signalled && text.length > 0) {
        signalled = true;
        s.child.kill("SIGTERM");
        // New connections are refused (or told 503) while the running stream goes on.
        await vi.waitFor(async () => {
          const status = await fetch(`${url}/health`, { headers: { connection: "close" } }).then(
            (r) => r.status,
            () => "refused",
          );
          expect(status).not.toBe(200);
        });
      }
    }
    expect(text).toBe("tok ".repeat(150));
    expect(finish).toBe("stop");
    expect(await s.exit).toBe(0);
  });

  it("serves a GGUF with --model once warm, to the OpenAI client, and stops on SIGTERM", async () => {
    const gguf = await fixtureGguf("qwen2");
    const s = start([
      "serve",
      "--port",
      "0",
      "--grpc-port",
      "0",
      "--data-dir",
      join(dir, "llama"),
      "--model",
      gguf,
      "--model-id",
      "qwen-tiny",
      "--context-size",
      "256",
      "--parallel",
      "1",
      "--threads",
      "1",
    ]);
    try {
      const url = await listeningUrl(s);
      expect(s.stderr()).toContain("models: qwen-tiny");
      await vi.waitFor(async () => expect((await fetch(`${url}/ready`)).status).toBe(200), {
        timeout: 120_000,
        interval: 100,
      });
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none", maxRetries: 0 });
      expect((await client.models.list()).data.map((m) => m.id)).toEqual(["qwen-tiny"]);
      const r = await client.chat.completions.create({
        model: "qwen-tiny",
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 4,
        temperature: 0,
      });
      expect(r.usage?.completion_tokens).toBe(4);
      s.child.kill("SIGTERM");
      expect(await s.exit).toBe(0);
    } finally {
      s.child.kill("SIGKILL");
    }
  });
});
