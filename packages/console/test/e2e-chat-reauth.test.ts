import { join } from "node:path";
import { openSqlite } from "@seekdesk/store";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ask,
  runCli,
  type Served,
  screenshotPath,
  signIn,
  startConsole,
  stopConsole,
  submitSignIn,
} from "./harness.ts";

/**
 * Staff trying the bot on the console's chat page when their session ends behind the page's back
 * (expired on the server): the message they send then is refused, but it is not lost. It stays
 * on screen marked unsent and goes out by itself after they sign in again, exactly once.
 */
let served: Served;
let browser: Browser;

beforeAll(async () => {
  ({ served, browser } = await startConsole([
    { username: "lead", role: "agent", password: "lead-password" },
  ]));
  // A keyed server refuses callers without a session, so an ended session is a 401 on the chat.
  runCli(["keys", "create", "--name", "integration"], served.dataDir);
});

afterAll(() => stopConsole(browser, served));

/** Expires every console session in the server's SQLite file, as the passing of time would. */
function expireSessions(dataDir: string): number {
  const db = openSqlite(join(dataDir, "seekdesk.sqlite"));
  try {
    return db.prepare("UPDATE sessions SET expires_at = ?").run(Date.now() - 1000).changes;
  } finally {
    db.close();
  }
}

/** The user messages with `text` the server holds in this page's conversation (read with its session). */
async function storedUserMessages(page: Page, text: string): Promise<number> {
  return page.evaluate(async (wanted) => {
    const id = localStorage.getItem("seekdesk.conversation.account:lead");
    const res = await fetch(`/api/conversations/${id}/messages?after=0`);
    if (!res.ok) throw new Error(`messages: ${res.status}`);
    const body = (await res.json()) as { data: { role: string; text: string }[] };
    return body.data.filter((m) => m.role === "user" && m.text === wanted).length;
  }, text);
}

describe("a chat message refused when the session ended", () => {
  it("is kept as unsent and goes out once after signing in again", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const posts: { text: string; status: number }[] = [];
    page.on("requestfinished", async (req) => {
      if (
        req.method() !== "POST" ||
        !/\/api\/conversations\/[^/]+\/messages$/.test(new URL(req.url()).pathname)
      )
        return;
      const res = await req.response();
      posts.push({ text: (req.postDataJSON() as { text: string }).text, status: res?.status() ?? 0 });
    });
    await signIn(page, served.url, "lead", "lead-password", "/chat");
    await page.getByText(/You are signed in as lead/).waitFor();
    await ask(page, "How long does shipping take?");
    await page.locator('li.msg[data-role="bot"]').first().waitFor();

    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    const text = "Can I change the delivery address?";
    await ask(page, text);
    // Refused: the page offers sign-in, and the message stays on screen, marked unsent.
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    const unsent = page.locator("li.msg.pending.failed", { hasText: text });
    await unsent.getByText(/Not sent yet: it is kept and goes out once you sign in again/).waitFor();
    expect(await unsent.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await page.screenshot({ path: screenshotPath("chat-unsent-after-session-end") });
    expect(posts.filter((p) => p.text === text).map((p) => p.status)).toEqual([401]);

    await submitSignIn(page, "lead", "lead-password");
    // Sent by itself after sign-in: it shows as stored (with its seq) and the bot answers it.
    const stored = page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true });
    await stored.waitFor();
    await expect.poll(() => page.locator("li.msg.pending").count()).toBe(0);
    await expect
      .poll(async () => {
        const roles = await page
          .locator("li.msg[data-role]")
          .evaluateAll((els) =>
            els.map((e) => `${e.getAttribute("data-role")}:${e.querySelector(".msg-text")?.textContent}`),
          );
        return roles.slice(roles.indexOf(`user:${text}`) + 1).some((r) => r.startsWith("bot:"));
      })
      .toBe(true);
    expect(await stored.count()).toBe(1);
    expect(await storedUserMessages(page, text)).toBe(1);
    expect(posts.filter((p) => p.text === text).map((p) => p.status)).toEqual([401, 201]);

    // The outbox is empty once stored: a reload sends nothing again and shows the message once.
    await page.reload();
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem("seekdesk.outbox.account:lead"))).toBeNull();
    await ask(page, "Thanks");
    await page.locator('li.msg[data-role="user"] .msg-text').getByText("Thanks", { exact: true }).waitFor();
    expect(
      await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).count(),
    ).toBe(1);
    expect(await storedUserMessages(page, text)).toBe(1);
    expect(posts.filter((p) => p.text === text).length).toBe(2);
    await context.close();
  });
});
