import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { repoRoot } from "@seekdesk/core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

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

export type Role = "admin" | "agent" | "viewer";

export function createAccount(dataDir: string, username: string, role: Role, password: string): void {
  runCli(["accounts", "create", username, "--role", role, "--password-stdin"], dataDir, `${password}\n`);
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

export interface ConsoleUnderTest {
  served: Served;
  browser: Browser;
}

/** A built console behind a fresh `seekdesk serve` holding `accounts`, and a Chromium to open it. */
export async function startConsole(
  accounts: { username: string; role: Role; password: string }[] = [],
): Promise<ConsoleUnderTest> {
  ensureConsoleBuilt();
  const served = await startServe();
  try {
    for (const { username, role, password } of accounts)
      createAccount(served.dataDir, username, role, password);
    return { served, browser: await launchBrowser() };
  } catch (err) {
    // The caller never gets `served` to stop: stop it here rather than leave the server running.
    await stopConsole(undefined, served);
    throw err;
  }
}

/** Tolerates either being absent, for an `afterAll` whose `beforeAll` failed part way. */
export async function stopConsole(browser: Browser | undefined, served: Served | undefined): Promise<void> {
  await browser?.close();
  await served?.stop();
  if (served) cleanup(served.dataDir);
}

/** Fills and submits the sign-in form already on the page. */
export async function submitSignIn(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Opens the console at `route` and signs in through the login form. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, route: string) {
  await page.goto(`${baseUrl}/#${route}`);
  await submitSignIn(page, username, password);
}

/** A page in its own browser context (own cookies, as on its own machine), signed in at `route`. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  route: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await signIn(page, baseUrl, username, password, route);
  return { context, page };
}

/** Types `text` into the chat's question box and sends it. */
export async function ask(page: Page, text: string) {
  await page.getByLabel("Type your question…").fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}
