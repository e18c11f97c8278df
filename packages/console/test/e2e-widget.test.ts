import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureConsoleBuilt,
  launchBrowser,
  runCli,
  type Served,
  screenshotPath,
  startServe,
  stopConsole,
} from "./harness.ts";

/**
 * The chat widget as a company embeds it: one script tag in a plain HTML page served from
 * another origin (a second loopback server), talking to seekdesk with a widget-scoped key
 * that lists that origin.
 */
interface HostSite {
  origin: string;
  close(): Promise<void>;
}

/** A plain "shop" page on its own port: a different origin from seekdesk's. */
async function startHostSite(widgetTag: (lang: string) => string): Promise<HostSite> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    if (url.pathname !== "/") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>Acme shop</title>
<style>body { font-family: serif; } button { color: red; }</style></head>
<body><h1>Acme shop</h1><p>Spring sale on every kettle.</p>${widgetTag(url.searchParams.get("lang") ?? "en")}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let served: Served;
let browser: Browser;
let shop: HostSite;
let stranger: HostSite;
let widgetKey = "";

beforeAll(async () => {
  ensureConsoleBuilt();
  served = await startServe();
  const tag = (lang: string) =>
    `<script src="${served.url}/widget.js" data-key="${widgetKey}" data-server="${served.url}" data-lang="${lang}"></script>`;
  shop = await startHostSite(tag);
  stranger = await startHostSite(tag);
  widgetKey = runCli(
    ["keys", "create", "--name", "shop-widget", "--scope", "widget", "--origin", shop.origin],
    served.dataDir,
  ).trim();
  browser = await launchBrowser();
});

afterAll(async () => {
  await shop?.close();
  await stranger?.close();
  await stopConsole(browser, served);
});

async function openWidget(page: Page) {
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog", { name: "Customer service" });
  await panel.waitFor();
  return panel;
}

describe("the chat widget on another origin", () => {
  it("answers with a citation through CORS and a widget-scoped key", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    await page.goto(`${shop.origin}/`);
    const panel = await openWidget(page);
    await panel.getByLabel("Type your question…").fill("How long does shipping take?");
    await panel.getByRole("button", { name: "Send", exact: true }).click();
    const answer = panel.locator('li.msg[data-role="bot"]').last();
    await answer.locator(".citation").first().waitFor();
    expect(await answer.locator(".msg-text").textContent()).toMatch(/days/);
    await answer.locator(".citation").first().click();
    await panel.getByRole("dialog", { name: "Source" }).locator("mark").waitFor();
    // The host page's CSS (red buttons, serif) stays outside the widget's shadow root.
    const sendColor = await panel
      .getByRole("button", { name: "Send", exact: true })
      .evaluate((b) => getComputedStyle(b).color);
    expect(sendColor).not.toBe("rgb(255, 0, 0)");
    await page.screenshot({ path: screenshotPath("widget-on-host-page") });
    expect(failed.filter((u) => u.startsWith(served.url))).toEqual([]);
    await context.close();
  });

  it("speaks Chinese on a Chinese page, and answers from the Chinese articles", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${shop.origin}/?lang=zh`);
    await page.getByRole("button", { name: "打开客服" }).click();
    const panel = page.getByRole("dialog", { name: "在线客服" });
    await panel.getByLabel("请输入您的问题…").fill("发货后多久能收到");
    await panel.getByRole("button", { name: "发送", exact: true }).click();
    const answer = panel.locator('li.msg[data-role="bot"]').last();
    await answer.locator(".citation").first().waitFor();
    expect(await answer.locator(".msg-text").textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(await panel.getByRole("navigation", { name: "来源" }).count()).toBe(1);
    await page.screenshot({ path: screenshotPath("widget-zh") });
    await context.close();
  });

  it("the same key is refused from a page on an origin it does not list", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on("response", (r) => {
      if (r.url().startsWith(`${served.url}/api/`)) statuses.push(r.status());
    });
    await page.goto(`${stranger.origin}/`);
    const panel = await openWidget(page);
    await panel.getByLabel("Type your question…").fill("How long does shipping take?");
    await panel.getByRole("button", { name: "Send", exact: true }).click();
    // The message stays on screen, marked failed with a retry: nothing is silently dropped.
    await panel.getByRole("button", { name: "Retry" }).waitFor();
    expect(statuses).toContain(403);
    expect(await panel.locator('li.msg[data-role="bot"]').count()).toBe(0);
    await context.close();
  });

  it("the widget key opens nothing beyond the customer's own conversation", async () => {
    const headers = {
      authorization: `Bearer ${widgetKey}`,
      "x-seekdesk-visitor": "visitor-0123456789abcdef",
      origin: shop.origin,
    };
    for (const path of ["/api/agent/queue", "/api/admin/users", "/api/kb/search?q=refund"]) {
      const res = await fetch(`${served.url}${path}`, { headers });
      expect(res.status, path).toBe(403);
    }
    const chat = await fetch(`${served.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(403);
  });

  // Last: it revokes the key.
  it("once its key is revoked, the widget says the chat is unavailable instead of retrying", async () => {
    const id = /(key_[0-9a-f]+)\s.*shop-widget/.exec(runCli(["keys", "list"], served.dataDir))?.[1];
    expect(id).toBeDefined();
    runCli(["keys", "revoke", id ?? ""], served.dataDir);
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${shop.origin}/`);
    const panel = await openWidget(page);
    await panel.getByLabel("Type your question…").fill("How long does shipping take?");
    await panel.getByRole("button", { name: "Send", exact: true }).click();
    await panel
      .getByRole("alert")
      .getByText("The chat is not available right now. Please try again later.")
      .waitFor();
    expect(await panel.getByLabel("Type your question…").count()).toBe(0);
    expect(await panel.textContent()).not.toMatch(/revoked|API key/);
    await context.close();
  });
});
