import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { padPng } from "@seekdesk/gateway/testing/padded-png.ts";
import { openSqlite } from "@seekdesk/store";
import type { Browser, BrowserContext, Page } from "playwright-core";
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
let bigPhoto = "";
let tooBigPhoto = "";

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
  // The same question as a 15 MB photo (under the server's 20 MiB upload limit), and one byte over it.
  bigPhoto = join(served.dataDir, "big.png");
  writeFileSync(bigPhoto, padPng(readFileSync(photo), 15 * 1024 * 1024));
  tooBigPhoto = join(served.dataDir, "too-big.png");
  writeFileSync(tooBigPhoto, padPng(readFileSync(photo), 20 * 1024 * 1024 + 1));
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

/**
 * Waits until the chat's event stream is up. Its first request goes out only after the first
 * answer, so a session expired before it is refused on the stream, not on the message under test.
 */
async function streamOpen(page: Page): Promise<void> {
  await page.locator('section.chat[data-connection="open"]').waitFor();
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

/**
 * A fresh browser context signed in as lead on the chat page, its message POSTs recorded, with a
 * conversation started (`first` asked and answered) and its event stream open, as most tests here
 * begin. `prepare` runs on the context before its page opens (init scripts).
 */
async function leadChatStarted(
  first = "Hello",
  prepare?: (context: BrowserContext) => Promise<unknown>,
): Promise<{
  context: BrowserContext;
  page: Page;
  posts: ReturnType<typeof recordPosts>;
}> {
  const context = await browser.newContext({ locale: "en-US" });
  await prepare?.(context);
  const page = await context.newPage();
  const posts = recordPosts(page);
  await signIn(page, served.url, "lead", "lead-password", "/chat");
  await page.getByText(/You are signed in as lead/).waitFor();
  await ask(page, first);
  await page.locator('li.msg[data-role="bot"]').first().waitFor();
  await streamOpen(page);
  return { context, page, posts };
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

/** The client keys of the media rows the browser's outbox holds (the app has created the store). */
function keptMediaKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open("seekdesk.outbox");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const keys = db.transaction("media").objectStore("media").getAllKeys();
          keys.onsuccess = () => {
            db.close();
            resolve(keys.result.map(String));
          };
          keys.onerror = () => reject(keys.error);
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
    const { context, page, posts } = await leadChatStarted("How long does shipping take?");

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

describe("a chat message refused when the session ended, in a browser that cannot store it", () => {
  it("says it goes out after signing in on this page (not that it is kept), and it does, once (localStorage refusing the outbox by an init script)", async () => {
    // Storage over its quota for the outbox only, as a full or locked-down browser refuses it.
    const { context, page, posts } = await leadChatStarted("Hello", (c) =>
      c.addInitScript(() => {
        const setItem = Storage.prototype.setItem;
        Storage.prototype.setItem = function (key: string, value: string) {
          if (key.startsWith("seekdesk.outbox")) throw new DOMException("quota", "QuotaExceededError");
          setItem.call(this, key, value);
        };
      }),
    );

    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    const text = "Where is my refund?";
    await ask(page, text);
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    const unsent = page.locator("li.msg.pending.failed", { hasText: text });
    await unsent.getByText("Not sent yet: it goes out once you sign in again on this page.").waitFor();
    await unsent
      .getByRole("alert")
      .getByText(/This browser cannot store it: it is lost if you reload/)
      .waitFor();
    expect(await unsent.getByText(/it is kept/).count()).toBe(0);
    await page.screenshot({ path: screenshotPath("chat-unsent-not-kept-after-session-end") });

    await submitSignIn(page, "lead", "lead-password");
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    await expect.poll(() => page.locator("li.msg.pending").count()).toBe(0);
    await expect.poll(() => posts.filter((p) => p.text === text).map((p) => p.status)).toEqual([401, 201]);
    expect(await storedUserMessages(page, text)).toBe(1);
    await context.close();
  });
});

describe("a photo refused when the session ended", () => {
  it("is kept in the browser, shown waiting, the page signs out, and it goes out once after signing in", async () => {
    const { context, page, posts } = await leadChatStarted();
    const banner = page.getByRole("banner");
    await banner.getByRole("button", { name: "Sign out (lead)" }).waitFor();

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

  it("at 15 MB, is kept past a reload, and goes out once, under its key, after signing in", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const posts = recordPosts(page);
    await signIn(page, served.url, "lead", "lead-password", "/chat");
    await page.getByText(/You are signed in as lead/).waitFor();
    expect(expireSessions(served.dataDir)).toBeGreaterThan(0);
    await page.locator('input[type="file"]').setInputFiles(bigPhoto);
    const waiting = page.locator("li.msg.pending.failed", { hasText: "Photo" });
    await waiting.getByText(/Not sent yet: it is kept and goes out once you sign in again/).waitFor();
    // Kept in IndexedDB like a small photo: no notice that it would be lost on reload.
    expect(await waiting.locator(".not-kept").count()).toBe(0);
    const [key] = await keptMediaKeys(page);
    expect(key).toBeTruthy();
    // (The 401 itself is not in `posts`: refused before its 15 MB were read, the browser reports the
    // request failed; the note above is the page having read the 401.)

    await page.reload();
    await page.getByRole("heading", { name: "This chat is for our staff" }).waitFor();
    expect(await keptMedia(page)).toBe(1);
    await submitSignIn(page, "lead", "lead-password");
    await page.getByText(/You are signed in as lead/).waitFor();
    // Sent as multipart, under the server's upload limit (20 MiB) rather than its 4 MiB JSON one.
    await expect
      .poll(() => posts.filter((p) => p.image && p.status !== 401).map((p) => [p.key, p.status]), {
        timeout: 60_000,
      })
      .toEqual([[key, 201]]);
    await expect.poll(() => keptMedia(page)).toBe(0);
    expect(await storedWithKey(page, key)).toEqual([expect.stringMatching(/shipping/i)]);
    await context.close();
  });
});

describe("a photo over the server's upload limit", () => {
  it("is refused before any upload, with a message saying why, and can be discarded", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const posts = recordPosts(page);
    await signIn(page, served.url, "lead", "lead-password", "/chat");
    await page.getByText(/You are signed in as lead/).waitFor();
    await page.locator('input[type="file"]').setInputFiles(tooBigPhoto);
    const refused = page.locator("li.msg.pending.failed", { hasText: "Photo" });
    await refused
      .getByRole("alert")
      .getByText(
        "Not sent: at over 20 MB this file is larger than the chat accepts. Please send a smaller one.",
      )
      .waitFor();
    expect(await refused.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await page.screenshot({ path: screenshotPath("chat-photo-too-large") });
    // A photo within the limit still goes out after it: the refused one was never uploaded.
    await page.locator('input[type="file"]').setInputFiles(photo);
    await page
      .locator('li.msg[data-role="user"] .msg-text')
      .getByText(/shipping/i)
      .waitFor({ timeout: 60_000 });
    await expect.poll(() => posts.filter((p) => p.image).map((p) => p.status)).toEqual([201]);
    expect(await keptMedia(page)).toBe(0);
    await refused.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => page.locator("li.msg.pending").count()).toBe(0);
    await context.close();
  });
});

/** Moves the times of everything in this page's outboxes (text and media) `ms` into the past. */
function ageOutbox(page: Page, ms: number): Promise<void> {
  return page.evaluate(
    (by) =>
      new Promise<void>((resolve, reject) => {
        const key = "seekdesk.outbox.account:lead";
        const texts = JSON.parse(localStorage.getItem(key) ?? "[]") as { at: number }[];
        localStorage.setItem(key, JSON.stringify(texts.map((e) => ({ ...e, at: e.at - by }))));
        const open = indexedDB.open("seekdesk.outbox");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction("media", "readwrite");
          const store = tx.objectStore("media");
          const all = store.getAll();
          all.onsuccess = () => {
            for (const row of all.result as { at: number }[]) store.put({ ...row, at: row.at - by });
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    ms,
  );
}

describe("messages left in the outbox past the age limit (24 hours)", () => {
  it("are shown as expired and not sent; one is sent on request, the other discarded", async () => {
    const { context, page, posts } = await leadChatStarted();

    // Cut off: a text and a photo stay in the outbox, offered for a retry.
    await context.setOffline(true);
    const text = "Is my parcel from Monday lost?";
    await ask(page, text);
    await page
      .locator("li.msg.pending.failed", { hasText: text })
      .getByRole("button", { name: "Retry" })
      .waitFor();
    await page.locator('input[type="file"]').setInputFiles(photo);
    await page
      .locator("li.msg.pending.failed", { hasText: "Photo" })
      .getByRole("button", { name: "Retry" })
      .waitFor();
    await expect.poll(() => keptMedia(page)).toBe(1);
    // A day and a minute pass before the page is next opened (the clock moved by moving the times).
    await ageOutbox(page, 24 * 60 * 60 * 1000 + 60_000);
    await context.setOffline(false);
    await page.reload();

    const notice = /Not sent: it waited over 24 hours, so it did not go out by itself/;
    const oldText = page.locator("li.msg.pending.failed", { hasText: text });
    const oldPhoto = page.locator("li.msg.pending.failed", { hasText: "Photo" });
    await oldText.getByRole("alert").getByText(notice).waitFor();
    await oldPhoto.getByRole("alert").getByText(notice).waitFor();
    expect(await oldPhoto.locator("img.pending-thumb").count()).toBe(1);
    await page.screenshot({ path: screenshotPath("chat-outbox-expired") });
    // The decision is taken before anything is sent: a message sent after them is stored, they are not.
    await ask(page, "Thanks");
    await page.locator('li.msg[data-role="user"] .msg-text').getByText("Thanks", { exact: true }).waitFor();
    expect(posts.filter((p) => p.image || p.text === text)).toEqual([]);
    expect(await storedUserMessages(page, text)).toBe(0);
    // Still kept, not deleted for their age.
    expect(await keptMedia(page)).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem("seekdesk.outbox.account:lead"))).toContain(text);

    await oldPhoto.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => keptMedia(page)).toBe(0);
    await oldText.getByRole("button", { name: "Send now" }).click();
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    await expect.poll(() => page.locator("li.msg.pending").count()).toBe(0);
    await expect.poll(() => posts.filter((p) => p.text === text).map((p) => p.status)).toEqual([201]);
    expect(posts.filter((p) => p.image)).toEqual([]);
    expect(await page.evaluate(() => localStorage.getItem("seekdesk.outbox.account:lead"))).toBeNull();

    // Nothing left: a reload shows the text once, stored, and no photo.
    await page.reload();
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    expect(await page.locator("li.msg.pending").count()).toBe(0);
    expect(await storedUserMessages(page, text)).toBe(1);
    await context.close();
  });
});

describe("a message resent from the outbox when the chat opens", () => {
  it("keeps the time it was first sent, so its age limit is not restarted by every page load (message POSTs cut by an aborting route)", async () => {
    const { context, page } = await leadChatStarted();
    // Only the message POSTs fail: the page itself must load again for the outbox to be resent.
    const cut = "**/api/conversations/*/messages";
    await page.route(cut, (route) =>
      route.request().method() === "POST" ? route.abort("internetdisconnected") : route.continue(),
    );
    const text = "Did my refund for order 1042 go through?";
    await ask(page, text);
    const pending = page.locator("li.msg.pending.failed", { hasText: text });
    await pending.getByRole("button", { name: "Retry" }).waitFor();
    const sentAt = async () =>
      page.evaluate(
        (t) =>
          (
            JSON.parse(localStorage.getItem("seekdesk.outbox.account:lead") ?? "[]") as {
              text: string;
              at: number;
            }[]
          ).find((e) => e.text === t)?.at,
        text,
      );
    // Twenty-three hours pass; the page is opened again and resends it by itself, in vain.
    await ageOutbox(page, 23 * 60 * 60 * 1000);
    const aged = await sentAt();
    await page.reload();
    await pending.getByRole("button", { name: "Retry" }).waitFor();
    expect(await sentAt()).toBe(aged);
    // An explicit retry is the customer's own new decision: it goes out once the network is back.
    await page.unroute(cut);
    await pending.getByRole("button", { name: "Retry" }).click();
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    await expect.poll(() => sentAt()).toBeUndefined();
    expect(await storedUserMessages(page, text)).toBe(1);
    await context.close();
  });
});

describe("a text over the outbox's bound (200 messages already waiting)", () => {
  it("is not kept, says so beside it, evicts none of the 200, and goes out on retry", async () => {
    const { context, page, posts } = await leadChatStarted();

    // Cut off with 200 messages waiting (written as the chat writes them, rather than typed).
    await context.setOffline(true);
    const backlog = Array.from({ length: 200 }, (_, i) => `backlog-${i}`);
    await page.evaluate(
      ([keys, at]) =>
        localStorage.setItem(
          "seekdesk.outbox.account:lead",
          JSON.stringify(keys.map((k) => ({ clientKey: k, text: `Waiting ${k}`, at }))),
        ),
      [backlog, Date.now()] as const,
    );
    const text = "One more while cut off";
    await ask(page, text);
    const unsent = page.locator("li.msg.pending.failed", { hasText: text });
    await unsent
      .getByRole("alert")
      .getByText(/Not kept: 200 of your messages are already waiting to go out, the most this browser keeps/)
      .waitFor();
    await unsent.getByRole("button", { name: "Retry" }).waitFor();
    await page.screenshot({ path: screenshotPath("chat-outbox-full") });
    // None of the 200 gave way for it.
    const kept = await page.evaluate(() =>
      (
        JSON.parse(localStorage.getItem("seekdesk.outbox.account:lead") ?? "[]") as { clientKey: string }[]
      ).map((e) => e.clientKey),
    );
    expect(kept).toEqual(backlog);

    // Back online, the customer retries it: it is stored once, and the 200 are still kept.
    await context.setOffline(false);
    await unsent.getByRole("button", { name: "Retry" }).click();
    await page.locator('li.msg[data-role="user"] .msg-text').getByText(text, { exact: true }).waitFor();
    await expect.poll(() => posts.filter((p) => p.text === text).map((p) => p.status)).toEqual([201]);
    expect(await storedUserMessages(page, text)).toBe(1);
    expect(
      await page.evaluate(() =>
        localStorage.getItem("seekdesk.outbox.account:lead")?.includes("backlog-199"),
      ),
    ).toBe(true);
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
