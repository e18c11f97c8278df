import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { repoRoot } from "@seekdesk/core";
import { type Browser, chromium, type Page } from "playwright-core";

const cli = join(repoRoot, "packages", "cli", "bin.js");
export const distDir = resolve(repoRoot, "packages", "console", "dist");
export const artifactsDir = resolve(repoRoot, "test-artifacts", "console");

/** The console must be built for browser tests; `npm install` does it, this covers a fresh checkout too. */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(distDir, "app", "index.html")) && existsSync(join(distDir, "widget", "widget.js")))
    return;
  execFileSync("npm", ["run", "build", "-w", "@seekdesk/console"], { cwd: repoRoot, stdio: "ignore" });
}

export function runCli(args: string[], dataDir: string, input?: string): string {
  return execFileSync(process.execPath, [cli, ...args, "--data-dir", dataDir], {
    cwd: repoRoot,
    input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

export interface Served {
  url: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A real `seekdesk serve` child process on a free loopback port and a temp data dir. */
export async function startServe(
  dataDir = mkdtempSync(join(tmpdir(), "seekdesk-e2e-")),
  extraArgs: string[] = [],
): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      cli,
      "serve",
      "--port",
      "0",
      "--grpc-port",
      "0",
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
      ...extraArgs,
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  let output = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 120 s:\n${output}`)), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      ...extraArgs,
    ],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Opens the console at `route` and signs in through the login form. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, route: string) {
  await page.goto(`${baseUrl}/#${route}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
