import { spawn } from "node:child_process";
import { InvalidRequestError, TimeoutError, UnavailableError } from "@seekdesk/core";

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a command-line engine (tesseract, sox, pocketsphinx) with optional stdin. A missing binary
 * is an operator problem (503 with the package to install); a non-zero exit is blamed on the
 * input (400), since the engines only fail that way on unreadable files.
 */
export function runTool(
  cmd: string,
  args: string[],
  opts: {
    input?: Uint8Array;
    signal?: AbortSignal;
    timeoutMs?: number;
    env?: Record<string, string>;
    installHint: string;
  },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      signal: opts.signal,
      env: { ...process.env, ...opts.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT")
        reject(new UnavailableError(`${cmd} is not installed: ${opts.installHint}`, "engine_missing"));
      else reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) return reject(new TimeoutError(`${cmd} took longer than ${opts.timeoutMs ?? 60_000} ms`));
      if (code !== 0) {
        const line = stderr.trim().split("\n").slice(-2).join(" ").slice(0, 300);
        return reject(
          new InvalidRequestError(`${cmd} could not read the input: ${line}`, null, "unreadable_input"),
        );
      }
      resolve({ stdout: Buffer.concat(out), stderr });
    });
    // EPIPE when the tool exits before reading all input is reported through `close` instead.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ? Buffer.from(opts.input) : undefined);
  });
}
