import { type ChildProcess, spawn } from "node:child_process";
import { SEEKDESK_BIN } from "./run-cli.ts";

/**
 * `seekdesk serve <args>` as a real child process on a free port, gRPC off, logging warnings
 * only and reading no config file unless `args` names one. The child is returned at once, so
 * the caller can register it for killing before `url` (the address once listening) settles.
 */
export function spawnServe(
  args: readonly string[],
  cwd: string,
): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(
    process.execPath,
    [SEEKDESK_BIN, "serve", ...args, "--port", "0", "--grpc-port", "off"],
    {
      cwd,
      env: { ...process.env, SEEKDESK_LOG_LEVEL: "warn", SEEKDESK_CONFIG: "" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const url = new Promise<string>((ok, fail) => {
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
      const m = /listening on (http:\/\/[^\s;]+)/.exec(err);
      if (m) ok(m[1] as string);
    });
    child.on("exit", (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url };
}
