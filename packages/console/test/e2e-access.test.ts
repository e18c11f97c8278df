import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanup,
  ensureConsoleBuilt,
  launchBrowser,
  runCli,
  type Served,
  screenshotPath,
  signIn,
  startServe,
} from "./harness.ts";

let served: Served;
let browser: Browser;

beforeAll(async () => {
  ensureConsoleBuilt();
  served = await startServe();
  runCli(
    ["accounts", "create", "lead", "--role", "admin", "--password-stdin"],
    served.dataDir,
    "lead-password\n",
  );
  runCli(
    ["accounts", "create", "vera", "--role", "viewer", "--password-stdin"],
    served.dataDir,
    "vera-password\n",
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (served) cleanup(served.dataDir);
});

async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("console access in a real browser", () => {
  it("a viewer sees analytics but the server refuses admin actions", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await signIn(page, served.url, "vera", "vera-password", "/analytics");
    await expect.poll(() => page.getByRole("heading", { name: "Analytics" }).count()).toBe(1);
    // The UI hides admin for a viewer, but the point is the server: call the admin API with the viewer's session.
    const status = await page.evaluate(async () => {
      const res = await fetch("/api/admin/users", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "mallory", password: "mallory-pass", role: "admin" }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await page.goto(`${served.url}/#/admin/users`);
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/403/);
    await page.screenshot({ path: screenshotPath("viewer-refused") });
    expect(runCli(["accounts", "list"], served.dataDir)).not.toContain("mallory");
    await context.close();
  });

  it("an admin signs in and reaches the admin pages; main pages have no serious axe violations", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${served.url}/#/chat`);
    await page.getByLabel("Type your question…").waitFor();
    const chatViolations = await seriousViolations(page);
    await signIn(page, served.url, "lead", "lead-password", "/admin/users");
    await page.getByRole("table", { name: "Accounts" }).getByText("vera").waitFor();
    const adminViolations = await seriousViolations(page);
    await page.screenshot({ path: screenshotPath("admin-users") });
    await page.goto(`${served.url}/#/agent`);
    await page.getByRole("heading", { name: "Agent workspace" }).waitFor();
    const agentViolations = await seriousViolations(page);
    await page.goto(`${served.url}/#/analytics`);
    await page.getByRole("heading", { name: "Analytics" }).waitFor();
    const analyticsViolations = await seriousViolations(page);
    expect({ chatViolations, adminViolations, agentViolations, analyticsViolations }).toEqual({
      chatViolations: [],
      adminViolations: [],
      agentViolations: [],
      analyticsViolations: [],
    });
    await context.close();
  });

  it("a wrong password shows an error and grants nothing", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await signIn(page, served.url, "lead", "not-the-password", "/admin");
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Wrong username or password/);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "sd_session")).toBeUndefined();
    await context.close();
  });

  it("an admin creates a widget key for a site and gets the snippet to embed", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await signIn(page, served.url, "lead", "lead-password", "/admin/keys");
    const keys = page.getByRole("region", { name: "API keys" });
    await keys.getByLabel("Name").fill("shop widget");
    await keys.getByLabel("Scope").selectOption("widget");
    await keys.getByLabel(/Allowed origins/).fill("https://shop.example.com");
    await keys.getByRole("button", { name: "Create key" }).click();
    const snippet = keys.locator("pre.snippet");
    await snippet.waitFor();
    expect(await snippet.textContent()).toMatch(
      /<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-key="sk-/,
    );
    const row = keys.getByRole("row", { name: /shop widget/ });
    await row.getByRole("cell", { name: "https://shop.example.com" }).waitFor();
    expect(runCli(["keys", "list"], served.dataDir)).toMatch(
      /shop widget.*widget.*https:\/\/shop\.example\.com/,
    );
    await page.screenshot({ path: screenshotPath("admin-widget-key") });
    await context.close();
  });
});
