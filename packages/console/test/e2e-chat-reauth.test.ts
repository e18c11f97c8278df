import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { padPng } from "@seekdesk/gateway/testing/padded-png.ts";
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
 * (expired on the server): the message they send then, text or photo, is refused, but it is not
 * lost. It stays on screen marked unsent, the page shows itself signed out, and the message goes
 * out by itself after they sign in again, exactly once.
 */
let served: Served;
let browser: Browser;
let photo = "";
let hugePhoto = "";

beforeAll(async () => {
  ({ served, browser } = await startConsole([
    { username: "lead", role: "agent", password: "lead-password" },
  ]));
  // A keyed server refuses callers without a session, so an ended session is a 401 on the chat.
  runCli(["keys", "create", "--name", "integration"], served.dataDir);
  // A question tesseract can read, drawn as e2e-media's is.
  photo = join(served.dataDir, "question.png");
  execFileSync("convert", [
    ...["-size", "900x160", "xc:white", "-font", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
    ...["-pointsize", "44", "-fill", "black", "-annotate", "+20+95", "How long does shipping take?", photo],
  ]);
  // The same question over the outbox's 10 MB cap for one item (and under the server's 20 MiB).
  hugePhoto = join(served.dataDir, "huge.png");
  writeFileSync(hugePhoto, padPng(readFileSync(photo), 10 * 1024 * 1024 + 1));
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

/** The server's message POSTs of a page: which idempotency key, image or text (which), and the answer. */
function recordPosts(page: Page): { key: string; image: boolean; text?: string; status: number }[] {
  const posts: { key: string; image: boolean; text?: string; status: number }[] = [];
  page.on("requestfinished", async (req) => {
    if (
      req.method() !== "POST" ||
      !/\/api\/conversations\/[^/]+\/messages$/.test(new URL(req.url()).pathname)
    )
      return;
    const res = await req.response();
    const status = res?.status() ?? 0;
    const headers = await req.allHeaders();
    // Photos go as multipart with the key in a header (the browser hides a file part's bytes here).
    if ((headers["content-type"] ?? "").startsWith("multipart/form-data")) {
      posts.push({ key: headers["idempotency-key"] ?? "", image: true, status });
      return;
    }
    const body = req.postDataJSON() as { idempotencyKey: string; text: string };
    posts.push({ key: body.idempotencyKey, image: false, text: body.text, status });
  });
  return posts;
}

/** The media rows the browser's outbox holds in IndexedDB, for any identity. */
function keptMedia(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open("seekdesk.outbox");
        // Not created by the page yet: nothing is kept, and this must not create it (empty).
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const db = open.result;
          const count = db.transaction("media").objectStore("media").count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(count.error);
        };
      }),
  );
}

/** The texts of the user messages stored under `key` in this page's conversation. */
async function storedWithKey(page: Page, key: string): Promise<string[]> {
  return page.evaluate(async (wanted) => {
    const id = localStorage.getItem("seekdesk.conversation.account:lead");
    const res = await fetch(`/api/conversations/${id}/messages?after=0`);
    if (!res.ok) throw new Error(`messages: ${res.status}`);
    const body = (await res.json()) as { data: { role: string; text: string; idempotencyKey?: string }[] };
    return body.data.filter((m) => m.role === "user" && m.idempotencyKey === wanted).map((m) => m.text);
  }, key);
}

describe("a chat message refused when the session ended", () => {
  it("is kept as unsent and goes out once after signing in again", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const posts = recordPosts(page);
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

describe("a photo refused when the session ended", () => {
  it("is kept in the browser, shown waiting, the page signs out, and it goes out once after signing in", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const posts = recordPosts(page);
    const banner = page.getByRole("banner");
    await signIn(page, served.url, "lead", "lead-password", "/chat");
    await page.getByText(/You are signed in as lead/).waitFor();
    await banner.getByRole("button", { name: "Sign out (lead)" }).waitFor();
    await ask(page, "Hello");
    await page.locator('li.msg[data-role="bot"]').first().waitFor();

    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    await page.locator('input[type="file"]').setInputFiles(photo);
    // Refused: the top bar and the line above the chat turn signed out without a reload, and the
    // photo stays in the transcript, waiting, with its bytes in IndexedDB.
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    await banner.getByRole("link", { name: "Sign in" }).waitFor();
    expect(await banner.getByRole("button", { name: /Sign out/ }).count()).toBe(0);
    await page.getByText(/You are signed out: the session of lead has ended/).waitFor();
    expect(await page.getByText(/You are signed in as lead/).count()).toBe(0);
    const waiting = page.locator("li.msg.pending.failed", { hasText: "Photo" });
    await waiting.getByText(/Not sent yet: it is kept and goes out once you sign in again/).waitFor();
    expect(await waiting.locator("img.pending-thumb").count()).toBe(1);
    expect(await waiting.locator(".not-kept").count()).toBe(0);
    expect(await keptMedia(page)).toBe(1);
    await page.screenshot({ path: screenshotPath("chat-photo-unsent-after-session-end") });
    await expect.poll(() => posts.filter((p) => p.image).map((p) => p.status)).toEqual([401]);
    const key = posts.find((p) => p.image)?.key;

    await submitSignIn(page, "lead", "lead-password");
    await banner.getByRole("button", { name: "Sign out (lead)" }).waitFor();
    expect(await banner.getByRole("link", { name: "Sign in" }).count()).toBe(0);
    await page.getByText(/You are signed in as lead/).waitFor();
    // Sent by itself under the same key: stored once, as what OCR read, and answered.
    const stored = page.locator('li.msg[data-role="user"] .msg-text').getByText(/shipping/i);
    await stored.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator("li.msg.pending").count()).toBe(0);
    await expect
      .poll(() => posts.filter((p) => p.image).map((p) => [p.key, p.status]))
      .toEqual([
        [key, 401],
        [key, 201],
      ]);
    expect(await storedWithKey(page, key ?? "")).toEqual([expect.stringMatching(/shipping/i)]);
    expect(await keptMedia(page)).toBe(0);

    // Nothing left to send: a reload sends no photo again and shows it once.
    await page.reload();
    await stored.waitFor();
    await ask(page, "Thanks");
    await page.locator('li.msg[data-role="user"] .msg-text').getByText("Thanks", { exact: true }).waitFor();
    expect(await stored.count()).toBe(1);
    expect(posts.filter((p) => p.image)).toHaveLength(2);
    expect(await storedWithKey(page, key ?? "")).toHaveLength(1);
    await context.close();
  });

  it("over 10 MB, says it cannot be kept past a reload, and goes out after a sign-in in the same page", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await signIn(page, served.url, "lead", "lead-password", "/chat");
    await page.getByText(/You are signed in as lead/).waitFor();
    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    await page.locator('input[type="file"]').setInputFiles(hugePhoto);
    const waiting = page.locator("li.msg.pending.failed", { hasText: "Photo" });
    await waiting
      .getByRole("alert")
      .getByText(/over 10 MB it is too large to keep in this browser/)
      .waitFor();
    expect(await keptMedia(page)).toBe(0);
    // Signing in from the top bar's link, without a reload: the page still held it and sends it,
    // as multipart, under the server's upload limit (20 MiB) rather than its 4 MiB JSON one.
    const posts = recordPosts(page);
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(/#\/login$/);
    await submitSignIn(page, "lead", "lead-password");
    await page.waitForURL(/#\/chat$/);
    await page.getByText(/You are signed in as lead/).waitFor();
    await expect
      .poll(() => posts.filter((p) => p.image).map((p) => p.status), { timeout: 30_000 })
      .toEqual([201]);
    await context.close();
  });
});

describe("a session that ends under another page", () => {
  it("signs the analytics page out at its next refused call, and it comes back after signing in", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const banner = page.getByRole("banner");
    await signIn(page, served.url, "lead", "lead-password", "/analytics");
    await page.getByRole("heading", { name: "Analytics" }).waitFor();
    await banner.getByRole("button", { name: "Sign out (lead)" }).waitFor();

    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    // A new period is a new request, refused now: the page and the top bar turn signed out.
    await page.getByLabel("Period").selectOption("30");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await banner.getByRole("link", { name: "Sign in" }).waitFor();
    expect(await banner.getByRole("button", { name: /Sign out/ }).count()).toBe(0);
    expect(await page.getByRole("heading", { name: "Analytics" }).count()).toBe(0);

    await submitSignIn(page, "lead", "lead-password");
    await page.getByRole("heading", { name: "Analytics" }).waitFor();
    await banner.getByRole("button", { name: "Sign out (lead)" }).waitFor();
    await context.close();
  });
});
