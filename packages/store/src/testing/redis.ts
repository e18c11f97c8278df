import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/**
 * A throwaway Redis server for tests: no persistence, listening on 127.0.0.1 only, in a temp
 * dir. Uses the Debian binary; when it is missing it throws (tests fail loudly, never skip).
 */
export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** SIGKILLs the server (to test what clients do when it vanishes); `start` brings it back. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(
  bin = process.env.SEEKDESK_REDIS_SERVER ?? "/usr/bin/redis-server",
): Promise<TestRedis> {
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} not found: install the Debian package redis-server (see .ci/run) or set SEEKDESK_REDIS_SERVER`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-redis-"));
  let child: ChildProcess | null = null;
  let port = 0;

  const launch = async (): Promise<void> => {
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ];
    const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start in 10 s:\n${out}`)), 10_000);
      proc.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          ok();
        }
      });
      proc.stderr?.on("data", (b: Buffer) => {
        out += b.toString();
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`redis-server exited ${code}:\n${out}`));
      });
    });
    child = proc;
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((ok) => {
      proc.once("exit", () => ok());
      proc.kill(signal);
    });
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    await launch().catch((e) => {
      lastError = e;
    });
  }
  if (!child) throw lastError;

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => halt("SIGKILL"),
    start: launch,
    async stop() {
      await halt("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
