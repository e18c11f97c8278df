import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ask,
  runCli,
  type Served,
  screenshotPath,
  signedInPage,
  signIn,
  startConsole,
  stopConsole,
  submitSignIn,
} from "./harness.ts";

let served: Served;
let browser: Browser;

beforeAll(async () => {
  ({ served, browser } = await startConsole([
    { username: "lead", role: "admin", password: "lead-password" },
    { username: "vera", role: "viewer", password: "vera-password" },
  ]));
});

afterAll(() => stopConsole(browser, served));

async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("console access in a real browser", () => {
  it("a viewer sees analytics but the server refuses admin actions", async () => {
    const { context, page } = await signedInPage(browser, served.url, "vera", "vera-password", "/analytics");
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

  // Before the widget-key test: this test's customer is an anonymous visitor of the console's chat
  // page, which the server admits only while it holds no key (the last test shows the keyed page).
  it("a Chinese browser gets the workspace and admin in Chinese: an agent accepts and answers a hand-off, an admin adds an intent example", async () => {
    // The customer, in Chinese too, asks for a person.
    const customerContext = await browser.newContext({ locale: "zh-CN" });
    const customer = await customerContext.newPage();
    await customer.goto(`${served.url}/#/chat`);
    await customer.getByRole("button", { name: "转人工" }).click();
    await customer.getByText(/您前面还有 0 位/).waitFor();

    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${served.url}/#/agent`);
    await page.getByLabel("用户名").fill("lead");
    await page.getByLabel("密码").fill("lead-password");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { name: "坐席工作台" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    const queue = page.getByRole("region", { name: "转人工队列" });
    await queue.getByRole("heading", { name: "工单队列（1）" }).waitFor();
    // Reason, status and the relative time of the ticket read in Chinese.
    const ticket = queue.locator("button.ticket").first();
    expect(await ticket.textContent()).toMatch(/客户要求转人工 · 排队中 · (现在|\d+ ?秒钟?前|\d+ ?分钟前)/);
    await ticket.click();
    const transcript = page.getByRole("region", { name: "会话" });
    await transcript.getByRole("heading", { name: /客户要求转人工 — 排队中/ }).waitFor();
    await transcript.locator('li.msg[data-role="user"] .msg-who').first().getByText("客户").waitFor();
    await transcript.getByRole("button", { name: "接入" }).click();
    await transcript.getByRole("heading", { name: /— 处理中 \(lead\)/ }).waitFor();
    await transcript.getByRole("button", { name: "结束会话" }).waitFor();
    await transcript.getByLabel("转接给").waitFor();
    const reply = "您好，我是人工客服，请问有什么可以帮您？";
    await transcript.getByLabel("回复").fill(reply);
    await transcript.getByRole("button", { name: "发送回复" }).click();
    await customer.locator('li.msg[data-role="agent"] .msg-text').getByText(reply).waitFor();
    const side = page.getByRole("complementary", { name: "客户信息" });
    await side.getByRole("heading", { name: "推荐回复" }).waitFor();
    // Canned replies go to the customer: Chinese here, where the customer wrote Chinese.
    await side.getByRole("button", { name: /快捷回复 感谢您的耐心等待/ }).waitFor();
    const agentViolations = await seriousViolations(page);
    await page.screenshot({ path: screenshotPath("agent-workspace-zh") });

    await page.goto(`${served.url}/#/admin/intents`);
    await page.getByRole("heading", { name: "管理", exact: true }).waitFor();
    await page.getByRole("navigation", { name: "管理分区" }).getByRole("link", { name: "知识库" }).waitFor();
    const intents = page.getByRole("region", { name: "意图" });
    await intents.getByRole("heading", { name: /^意图（\d+）$/ }).waitFor();
    await intents.getByRole("button", { name: "训练并评估" }).waitFor();
    const toggle = intents.getByRole("button", { name: /^delivery_time \(\d+\)$/ });
    const before = Number(/\((\d+)\)/.exec((await toggle.textContent()) ?? "")?.[1]);
    await toggle.click();
    await intents.getByLabel("新增例句").fill("我的快递什么时候到");
    await intents.getByRole("button", { name: "添加", exact: true }).click();
    await intents.getByRole("button", { name: `delivery_time (${before + 1})` }).waitFor();
    await intents.getByRole("button", { name: "删除例句“我的快递什么时候到”" }).waitFor();
    const adminViolations = await seriousViolations(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath("admin-intents-zh") });

    await page.goto(`${served.url}/#/analytics`);
    await page.getByRole("heading", { name: "数据分析" }).waitFor();
    await page.locator("dl.kpis dt", { hasText: "转人工率" }).waitFor();
    expect({ agentViolations, adminViolations }).toEqual({ agentViolations: [], adminViolations: [] });
    await context.close();
    await customerContext.close();
  });

  it("the language switch turns an English console Chinese and the choice outlives a reload", async () => {
    const { context, page } = await signedInPage(
      browser,
      served.url,
      "lead",
      "lead-password",
      "/admin/users",
    );
    await page.getByRole("table", { name: "Accounts" }).waitFor();
    await page.getByLabel("Language").selectOption("zh");
    await page.getByRole("table", { name: "账号" }).getByRole("combobox", { name: "vera 的角色" }).waitFor();
    await page.getByRole("region", { name: "用户" }).getByRole("button", { name: "添加用户" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "用户与角色" }).waitFor();
    await page.goto(`${served.url}/#/agent`);
    await page.getByRole("heading", { name: "坐席工作台" }).waitFor();
    await page.getByLabel("语言").selectOption("en");
    await page.getByRole("heading", { name: "Agent workspace" }).waitFor();
    await context.close();
  });

  it("an admin creates a widget key for a site and gets the snippet to embed", async () => {
    const { context, page } = await signedInPage(browser, served.url, "lead", "lead-password", "/admin/keys");
    const keys = page.getByRole("region", { name: "API keys" });
    await keys.getByLabel("Name").fill("shop widget");
    await keys.getByLabel("Scope").selectOption("widget");
    await keys.getByLabel(/Allowed origins/).fill("https://shop.example.com");
    await keys.getByLabel(/^Models/).fill("deepseek-r1, deepseek-chat");
    await keys.getByLabel("Expires").selectOption({ label: "in 30 days" });
    await keys.getByRole("button", { name: "Create key" }).click();
    const snippet = keys.locator("pre.snippet");
    await snippet.waitFor();
    expect(await snippet.textContent()).toMatch(
      /<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-key="sk-/,
    );
    // The form is empty again for the next key.
    expect(await keys.getByLabel("Name").inputValue()).toBe("");
    const row = keys.getByRole("row", { name: /shop widget/ });
    await row.getByRole("cell", { name: "https://shop.example.com" }).waitFor();
    await row.getByRole("cell", { name: "deepseek-r1, deepseek-chat" }).waitFor();
    await row.getByRole("cell", { name: "not yet" }).waitFor();
    // Created and expiry times both shown, the expiry 30 days on.
    const times = await row.locator("time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime")));
    expect(times).toHaveLength(2);
    const days = (Date.parse(times[1] ?? "") - Date.parse(times[0] ?? "")) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    expect(runCli(["keys", "list"], served.dataDir)).toMatch(
      /shop widget.*widget\s+https:\/\/shop\.example\.com\s+deepseek-r1,deepseek-chat\s.*\s\d{4}-\d\d-\d\dT\S+\s+active/,
    );
    await page.screenshot({ path: screenshotPath("admin-widget-key") });

    // Changed in place: a request limit, every model, no expiry; the key itself stays.
    await row.getByRole("button", { name: "Edit" }).click();
    const change = keys.getByRole("form", { name: "Change the key shop widget" });
    await change.getByLabel("Requests per minute").fill("60");
    await change.getByLabel(/^Models/).fill("");
    await change.getByLabel("Expires").selectOption({ label: "never" });
    await page.screenshot({ path: screenshotPath("admin-key-edit") });
    await change.getByRole("button", { name: "Save" }).click();
    await change.waitFor({ state: "detached" });
    await row.getByRole("cell", { name: "60 rpm" }).waitFor();
    await row.getByRole("cell", { name: "all", exact: true }).waitFor();
    expect(await row.locator("time").count()).toBe(1);
    expect(runCli(["keys", "list"], served.dataDir)).toMatch(
      /shop widget.*widget\s+https:\/\/shop\.example\.com\s+\*\s+60\s+-\s+never\s+\S+\s+never\s+active/,
    );

    // A new secret, after a confirmation: shown once with the snippet, the old one replaced.
    const first = await snippet.textContent();
    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "New secret" }).click();
    await expect.poll(() => snippet.textContent()).not.toBe(first);
    expect(await snippet.textContent()).toMatch(/data-key="sk-sd-/);
    expect(await row.getByRole("cell", { name: "60 rpm" }).count()).toBe(1);
    await context.close();
  });

  it("once the server holds a key, the chat page tells a visitor where to chat, and staff sign in there to try the bot", async () => {
    expect(runCli(["keys", "list"], served.dataDir)).toMatch(/shop widget/);
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    const conversationCalls: { status: number; authorization: string | null }[] = [];
    page.on("response", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/conversations"))
        conversationCalls.push({
          status: r.status(),
          authorization: r.request().headers().authorization ?? null,
        });
    });
    await page.goto(`${served.url}/#/chat`);
    // A visitor, in their language: where customers chat, and a way in for staff, not a raw 401.
    await page.getByRole("heading", { name: "本页面仅供工作人员使用" }).waitFor();
    await page.getByText(/客户请通过我们网站上的在线客服联系我们/).waitFor();
    expect(await page.getByLabel("请输入您的问题…").count()).toBe(0);
    await page.getByLabel("语言").selectOption("en");
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    await page.getByText(/Customers reach us through the chat on our website/).waitFor();
    const visitorViolations = await seriousViolations(page);
    await page.screenshot({ path: screenshotPath("chat-keyed-visitor") });
    expect(await page.content()).not.toMatch(/Missing API key|sk-sd-/);
    expect(conversationCalls).toEqual([]);

    // Staff sign in right there and try the bot with their session: no key in the page.
    await submitSignIn(page, "lead", "lead-password");
    await page.getByText(/You are signed in as lead/).waitFor();
    await ask(page, "How long does shipping take?");
    const answer = page.locator('li.msg[data-role="bot"] .msg-text').last();
    await answer.waitFor();
    expect(await answer.textContent()).toMatch(/days/);
    await page.getByRole("button", { name: "Talk to a human" }).click();
    await page.getByText(/You are number \d+ in the queue/).waitFor();
    expect(conversationCalls.length).toBeGreaterThan(0);
    expect(conversationCalls.filter((c) => c.status >= 400 || c.authorization !== null)).toEqual([]);

    // The session ends behind the page's back (as when it expires): the next message is refused,
    // the page says so and offers sign-in, and signing in again resumes the conversation. (The
    // event stream is up first: connecting after the logout, it would be what is refused.)
    await page.locator('section.chat[data-connection="open"]').waitFor();
    await page.evaluate(() => fetch("/api/auth/logout", { method: "POST" }));
    await ask(page, "Are you still there?");
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    await submitSignIn(page, "lead", "lead-password");
    await page.getByLabel("Type your question…").waitFor();
    await page.getByText(/You are number \d+ in the queue/).waitFor();
    expect(await page.locator('li.msg[data-role="bot"]').count()).toBeGreaterThan(0);

    // The hand-off reaches the queue; its canned replies are in the customer's language (English
    // here), not the console's (Chinese).
    await page.goto(`${served.url}/#/agent`);
    await page.getByLabel("Language").selectOption("zh");
    const queue = page.getByRole("region", { name: "转人工队列" });
    await queue.locator("button.ticket", { hasText: "排队中" }).first().click();
    const side = page.getByRole("complementary", { name: "客户信息" });
    const canned = side.getByRole("button", { name: /快捷回复 Thanks for waiting/ });
    await canned.waitFor();
    expect(await canned.locator("[lang]").getAttribute("lang")).toBe("en");

    // Signing out in the same tab puts the visitor's notice back.
    await page.goto(`${served.url}/#/chat`);
    await page.getByRole("button", { name: /退出/ }).click();
    await page.getByRole("heading", { name: "本页面仅供工作人员使用" }).waitFor();
    expect({ visitorViolations }).toEqual({ visitorViolations: [] });
    await context.close();
  });
});
