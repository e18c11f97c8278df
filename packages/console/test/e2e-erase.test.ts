import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ask,
  runCli,
  type Served,
  screenshotPath,
  signedInPage,
  startConsole,
  stopConsole,
} from "./harness.ts";

/**
 * A customer's data erased (DELETE /api/users/{id}) while an agent has their hand-off open and
 * the customer's chat is open: neither page keeps showing what was erased.
 */
let served: Served;
let browser: Browser;

beforeAll(async () => {
  ({ served, browser } = await startConsole([
    { username: "lead", role: "agent", password: "lead-password" },
  ]));
});

afterAll(() => stopConsole(browser, served));

/** The customer's chat page, in a browser context of its own. */
async function openCustomerChat() {
  const customerContext = await browser.newContext({ locale: "en-US" });
  const customer = await customerContext.newPage();
  await customer.goto(`${served.url}/#/chat`);
  return { customerContext, customer };
}

/** The agent signed in elsewhere, with the one queued hand-off open. */
async function openQueuedTicket() {
  const { context: agentContext, page: agent } = await signedInPage(
    browser,
    served.url,
    "lead",
    "lead-password",
    "/agent",
  );
  const queue = agent.getByRole("region", { name: "Hand-off queue" });
  await queue.getByRole("heading", { name: "Queue (1)" }).waitFor();
  await queue.locator("button.ticket").first().click();
  const transcript = agent.getByRole("region", { name: "Conversation" });
  return { agentContext, agent, queue, transcript };
}

describe("erasing a customer while their pages are open", () => {
  it("the agent workspace drops the open ticket with a notice, and the customer's chat is cleared", async () => {
    const { customerContext, customer } = await openCustomerChat();
    await ask(customer, "Where is my parcel?");
    await customer.locator('li.msg[data-role="bot"]').first().waitFor();
    await customer.getByRole("button", { name: "Talk to a human" }).click();
    await customer.getByText(/You are number 1 in the queue/).waitFor();
    const visitor = await customer.evaluate(() => localStorage.getItem("seekdesk.visitor"));
    expect(visitor).toMatch(/^web-/);

    const { agentContext, agent, queue, transcript } = await openQueuedTicket();
    await transcript.locator(".msg-text").getByText("Where is my parcel?", { exact: true }).waitFor();

    // The erasure, as a shop backend would request it (this keyless loopback server trusts it).
    const res = await fetch(`${served.url}/api/users/${encodeURIComponent(visitor ?? "")}`, {
      method: "DELETE",
    });
    expect(res.status).toBe(200);
    expect((await res.json()).deleted).toMatchObject({ conversations: 1, tickets: 1 });

    await transcript
      .getByRole("status")
      .getByText("The hand-off you had open was removed: the customer's data was erased.")
      .waitFor();
    await queue.getByText("No one is waiting.").waitFor();
    expect(
      await transcript.locator(".msg-text").getByText("Where is my parcel?", { exact: true }).count(),
    ).toBe(0);
    await agent.screenshot({ path: screenshotPath("agent-ticket-erased") });

    await customer
      .getByText("This conversation has been deleted. Send a message to start a new one.")
      .waitFor();
    expect(await customer.locator("li.msg").count()).toBe(0);
    expect(
      await customer.evaluate((v) => localStorage.getItem(`seekdesk.conversation.${v}`), visitor),
    ).toBeNull();
    await customer.screenshot({ path: screenshotPath("chat-conversation-erased") });
    // The next message starts a new conversation.
    await ask(customer, "How long does shipping take?");
    await customer.locator('li.msg[data-role="bot"]').first().waitFor();
    await expect.poll(() => customer.getByText(/This conversation has been deleted/).count()).toBe(0);

    await agentContext.close();
    await customerContext.close();
  });

  it("erased by the CLI on the server's SQLite file: the pages find out on their next action and lose nothing", async () => {
    const { customerContext, customer } = await openCustomerChat();
    await customer.getByRole("button", { name: "Talk to a human" }).click();
    await customer.getByText(/You are number 1 in the queue/).waitFor();
    const visitor = (await customer.evaluate(() => localStorage.getItem("seekdesk.visitor"))) ?? "";

    const { agentContext, transcript } = await openQueuedTicket();
    await transcript.getByRole("button", { name: "Accept" }).waitFor();

    // Another process erases the user in the same SQLite file: the server's streams hear nothing.
    expect(runCli(["users", "delete", visitor, "--yes"], served.dataDir)).toMatch(
      /1 conversations, .* 1 tickets/,
    );
    await transcript.getByRole("button", { name: "Accept" }).click();
    await transcript
      .getByRole("status")
      .getByText(/The hand-off you had open was removed/)
      .waitFor();

    const text = "Is anyone there?";
    await ask(customer, text);
    await customer
      .getByText("This conversation has been deleted. Send a message to start a new one.")
      .waitFor();
    const failed = customer.locator("li.msg.pending.failed", { hasText: text });
    await failed.getByRole("button", { name: "Retry" }).click();
    await customer.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    await customer.locator('li.msg[data-role="bot"]').first().waitFor();
    expect(await customer.locator("li.msg.pending").count()).toBe(0);

    await agentContext.close();
    await customerContext.close();
  });
});
