import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `seekdesk` executable the package publishes, run as a real child process by CLI tests. */
export const SEEKDESK_BIN = fileURLToPath(new URL("../../bin.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `seekdesk <args>` to completion and collects its output (after the streams close, so no
 * late output is lost). No config file is read unless `env` names one.
 */
export function runSeekdesk(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [SEEKDESK_BIN, ...args], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { ...process.env, SEEKDESK_CONFIG: "", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((ok) => child.on("close", (code) => ok({ code, stdout, stderr })));
}
