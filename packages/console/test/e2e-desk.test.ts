import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, type Served, screenshotPath, signIn, startConsole, stopConsole } from "./harness.ts";

/**
 * The service desk as its three users meet it, each in their own browser context (separate
 * cookies and storage, as on separate machines): a customer in the chat, an agent in the
 * workspace, an admin curating the knowledge base, all against one real `seekdesk serve`.
 */
let served: Served;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ served, browser } = await startConsole([
    { username: "lead", role: "admin", password: "lead-pass-1" },
    { username: "ana", role: "agent", password: "ana-pass-1" },
    { username: "bo", role: "agent", password: "bo-pass-1" },
  ]));
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await stopConsole(browser, served);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

const botMessages = (page: Page) => page.locator('li.msg[data-role="bot"]');

describe("the service desk in a real browser", () => {
  let customer: Page;
  let agent: Page;

  it("a customer asks and gets an answer with a citation that opens its source", async () => {
    customer = await newPage();
    await customer.goto(`${served.url}/#/chat`);
    await ask(customer, "How long does shipping take?");
    const answer = botMessages(customer).last();
    await answer.locator(".citation").first().waitFor();
    expect(await answer.locator(".msg-text").textContent()).toMatch(/days/);
    const citation = answer.locator(".citation").first();
    expect(await citation.textContent()).toMatch(/Shipping/i);
    await citation.click();
    const source = customer.getByRole("dialog", { name: "Source" });
    await source.waitFor();
    // The viewer marks the cited passage inside the document it came from.
    const marked = (await source.locator("mark").textContent()) ?? "";
    expect(marked.length).toBeGreaterThan(20);
    expect(await source.textContent()).toContain(marked);
    await customer.screenshot({ path: screenshotPath("customer-answer-with-citation") });
    await source.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => source.count()).toBe(0);
  });

  it("the customer asks for a human; an agent elsewhere sees it live, accepts and replies; the customer sees it", async () => {
    agent = await newPage();
    await signIn(agent, served.url, "ana", "ana-pass-1", "/agent");
    await agent.getByRole("heading", { name: "Agent workspace" }).waitFor();
    const queue = agent.getByRole("region", { name: "Hand-off queue" });
    await queue.getByRole("heading", { name: "Queue (0)" }).waitFor();

    // The agent's page is already open: the new hand-off must arrive over its live stream.
    const shown = queue.locator("button.ticket").first().waitFor();
    const asked = Date.now();
    await customer.getByRole("button", { name: "Talk to a human" }).click();
    await shown;
    const handoffVisibleMs = Date.now() - asked;
    console.log(`hand-off visible in the agent's queue ${handoffVisibleMs} ms after the customer's click`);
    await customer.getByText(/You are number 1 in the queue/).waitFor();
    await customer.screenshot({ path: screenshotPath("customer-waiting") });

    await queue.locator("button.ticket").first().click();
    const transcript = agent.getByRole("region", { name: "Conversation" });
    // The bot's view of the customer's turns: intent and confidence per message.
    await transcript
      .getByText(/shipping|delivery/i)
      .first()
      .waitFor();
    // Suggested replies come from the knowledge base for the customer's last question.
    const context = agent.getByRole("complementary", { name: "Customer context" });
    await context.locator(".badge-kb").first().waitFor();
    // The agent confirms the bot read the first question right (intent accuracy in analytics).
    await transcript.getByRole("button", { name: "The bot understood turn 1 right" }).click();
    await transcript.getByText("marked right").waitFor();
    await transcript.getByRole("button", { name: "Accept" }).click();
    await transcript.getByRole("button", { name: "Close" }).waitFor();
    await customer.getByText(/is helping you now/).waitFor();

    const reply = "Hi, this is Ana from the support team. Your parcel ships today.";
    await transcript.getByLabel("Reply").fill(reply);
    await transcript.getByRole("button", { name: "Send reply" }).click();
    await agent.screenshot({ path: screenshotPath("agent-workspace") });

    const agentMessage = customer.locator('li.msg[data-role="agent"]').last();
    await agentMessage.waitFor();
    expect(await agentMessage.locator(".msg-text").textContent()).toBe(reply);
    // Every message the customer sent was stored and shown once: no optimistic copy is left over.
    expect(await customer.locator("li.msg.pending").count()).toBe(0);
    expect(await customer.locator('li.msg[data-role="user"]').allTextContents()).toEqual([
      "YouHow long does shipping take?",
      "YouTalk to a human",
    ]);
    await customer.screenshot({ path: screenshotPath("customer-sees-agent-reply") });

    // The customer's connection drops while the agent keeps writing: after it comes back, both
    // messages show, once each, and a reload restores the whole thread from the server.
    await customer.context().setOffline(true);
    await customer.getByText("Reconnecting…").waitFor();
    for (const text of ["Are you still there?", "I have refunded the shipping fee."]) {
      await transcript.getByLabel("Reply").fill(text);
      await transcript.getByRole("button", { name: "Send reply" }).click();
      await transcript.locator('li.msg[data-role="agent"]').getByText(text).waitFor();
    }
    await customer.context().setOffline(false);
    await customer.getByText("I have refunded the shipping fee.").waitFor();
    const agentTexts = async () => customer.locator('li.msg[data-role="agent"] .msg-text').allTextContents();
    expect(await agentTexts()).toEqual([reply, "Are you still there?", "I have refunded the shipping fee."]);
    await customer.reload();
    await customer.getByText("I have refunded the shipping fee.").waitFor();
    expect(await agentTexts()).toEqual([reply, "Are you still there?", "I have refunded the shipping fee."]);

    // Typing shows on the other side, both ways.
    await customer.getByLabel("Type your question…").pressSequentially("thanks", { delay: 20 });
    await transcript.getByText("The customer is typing…").waitFor();
    await transcript.getByLabel("Reply").pressSequentially("One more", { delay: 20 });
    await customer.getByText("The agent is typing…").waitFor();
    await transcript.getByLabel("Reply").fill("");

    // Ana hands the ticket to Bo; the customer is told who has them now; Bo closes it.
    await transcript.getByLabel("Transfer to").selectOption("bo");
    await transcript.getByRole("button", { name: "Transfer" }).click();
    await customer.getByText("bo is helping you now.").waitFor();
    const bo = await newPage();
    await signIn(bo, served.url, "bo", "bo-pass-1", "/agent");
    await bo.getByRole("region", { name: "Hand-off queue" }).locator("button.ticket").first().click();
    const boTranscript = bo.getByRole("region", { name: "Conversation" });
    await boTranscript.getByRole("heading", { name: /assigned \(bo\)/ }).waitFor();

    // Closing hands the conversation back to the bot.
    await boTranscript.getByRole("button", { name: "Close" }).click();
    await boTranscript
      .getByText(/closed/)
      .first()
      .waitFor();
    await customer.getByLabel("Type your question…").fill("");
    await ask(customer, "How long does shipping take?");
    await expect.poll(async () => (await botMessages(customer).count()) >= 2).toBe(true);
    await customer.getByRole("button", { name: "Rate 4 out of 5" }).click();
    await customer.getByText("Thanks for your feedback").waitFor();
  });

  it("an admin uploads a document and the search finds it; the customer is then answered from it", async () => {
    const admin = await newPage();
    await signIn(admin, served.url, "lead", "lead-pass-1", "/admin/knowledge");
    const kb = admin.getByRole("region", { name: "Knowledge base" });
    await kb.getByRole("table").waitFor();
    const file = join(served.dataDir, "gift-wrapping.md");
    writeFileSync(
      file,
      [
        "# Gift wrapping service",
        "",
        "## How gift wrapping works",
        "Every order can be gift wrapped in recycled kraft paper with a handwritten card.",
        "Gift wrapping costs 8 yuan per parcel and is chosen at checkout before payment.",
        "",
      ].join("\n"),
    );
    await kb.getByLabel(/Document/).setInputFiles(file);
    await kb.getByRole("button", { name: "Upload" }).click();
    await kb.getByRole("cell", { name: "Gift wrapping service" }).waitFor();

    await kb.getByLabel("Query").fill("gift wrapping cost");
    await kb.getByRole("button", { name: "Search" }).click();
    const results = kb.getByRole("list", { name: "Search results" });
    await results.waitFor();
    expect(await results.locator("li").first().textContent()).toMatch(/Gift wrapping service/);
    expect(await results.locator("li").first().textContent()).toMatch(/8 yuan/);
    await admin.screenshot({ path: screenshotPath("admin-knowledge-search") });

    // The bot answers from the new document straight away, with it as the citation.
    await ask(customer, "How much does gift wrapping cost?");
    const answer = botMessages(customer).last();
    await answer.getByText(/Gift wrapping service/).waitFor();
    expect(await answer.locator(".msg-text").textContent()).toMatch(/8 yuan/);
  });

  it("an admin adds an intent example, trains, and reads the evaluation with its confusion matrix", async () => {
    const admin = await newPage();
    await signIn(admin, served.url, "lead", "lead-pass-1", "/admin/intents");
    const intents = admin.getByRole("region", { name: "Intents" });
    const toggle = intents.getByRole("button", { name: /^delivery_time \(\d+\)$/ });
    const before = Number(/\((\d+)\)/.exec((await toggle.textContent()) ?? "")?.[1]);
    await toggle.click();
    await intents.getByLabel("New example").fill("when will my kettle get here");
    await intents.getByRole("button", { name: "Add", exact: true }).click();
    await intents.getByRole("button", { name: `delivery_time (${before + 1})` }).waitFor();
    await intents.getByRole("button", { name: "Remove the example “when will my kettle get here”" }).click();
    await intents.getByRole("button", { name: `delivery_time (${before})` }).waitFor();
    await intents.getByLabel("New example").fill("when will my kettle get here");
    await intents.getByRole("button", { name: "Add", exact: true }).click();
    await intents.getByRole("button", { name: `delivery_time (${before + 1})` }).waitFor();
    await intents.getByRole("button", { name: "Train and evaluate" }).click();
    await intents.getByText(/Accuracy \d+(\.\d)?% · macro-F1/).waitFor({ timeout: 60_000 });
    await intents.getByRole("table").first().waitFor();
    await admin.screenshot({ path: screenshotPath("admin-intents-evaluation"), fullPage: true });
  });

  it("analytics show the live desk: conversations, hand-offs, satisfaction and intent accuracy", async () => {
    const admin = await newPage();
    await signIn(admin, served.url, "lead", "lead-pass-1", "/analytics");
    await admin.getByRole("heading", { name: "Analytics" }).waitFor();
    const kpi = (name: string) => admin.locator("dl.kpis div", { hasText: name }).locator("dd");
    await expect.poll(async () => Number(await kpi("Conversations").textContent())).toBeGreaterThanOrEqual(1);
    expect(await kpi("Satisfaction").textContent()).toBe("4.00 / 5");
    expect(await kpi("Intent accuracy").textContent()).toBe("100.0%");
    expect(await kpi("Hand-off rate").textContent()).not.toBe("0.0%");
    await admin.screenshot({ path: screenshotPath("analytics"), fullPage: true });
  });
});
