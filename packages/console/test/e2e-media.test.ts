import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { padPng } from "@seekdesk/gateway/testing/padded-png.ts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureConsoleBuilt,
  launchBrowser,
  type Served,
  screenshotPath,
  startServe,
  stopConsole,
} from "./harness.ts";

/**
 * A photo and a voice message from the customer's browser, through the real engines: tesseract
 * reads the picture, PocketSphinx hears the speech that Chromium's fake microphone plays from a
 * WAV synthesised with espeak-ng (all from Debian, installed by .ci/run).
 */
let served: Served;
let browser: Browser;
let photo = "";

beforeAll(async () => {
  ensureConsoleBuilt();
  served = await startServe();
  photo = join(served.dataDir, "question.png");
  execFileSync("convert", [
    ...[
      "-size",
      "900x160",
      "xc:white",
      "-font",
      "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
      "-pointsize",
      "44",
      "-fill",
      "black",
    ],
    ...["-annotate", "+20+95", "How long does shipping take?", photo],
  ]);
  const speech = join(served.dataDir, "speech.wav");
  execFileSync("espeak-ng", [
    "-v",
    "en-us+f2",
    "-s",
    "120",
    "-w",
    join(served.dataDir, "raw.wav"),
    "where is my order",
  ]);
  // Two seconds of silence after the words, so the looping fake microphone does not cut them.
  execFileSync("sox", [join(served.dataDir, "raw.wav"), "-r", "48000", speech, "pad", "0.3", "2"]);
  browser = await launchBrowser([
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${speech}`,
    "--autoplay-policy=no-user-gesture-required",
  ]);
});

afterAll(() => stopConsole(browser, served));

async function chatPage(): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US", permissions: ["microphone"] });
  const page = await context.newPage();
  await page.goto(`${served.url}/#/chat`);
  await page.getByLabel("Type your question…").waitFor();
  return page;
}

const userTexts = (page: Page) => page.locator('li.msg[data-role="user"] .msg-text').allTextContents();

describe("photos and voice from the customer's browser", () => {
  it("a photo of a question is read by OCR and answered with a citation", async () => {
    const page = await chatPage();
    await page.locator('input[type="file"]').setInputFiles(photo);
    const answer = page.locator('li.msg[data-role="bot"]').last();
    await answer.locator(".citation").first().waitFor();
    expect((await userTexts(page)).join(" ")).toMatch(/shipping/i);
    expect(await answer.textContent()).toMatch(/Shipping/);
    await page.screenshot({ path: screenshotPath("customer-photo-question") });
    await page.context().close();
  });

  it("a 5 MiB photo, over the 4 MiB JSON body limit, goes as multipart and is stored with its text", async () => {
    const big = join(served.dataDir, "big-question.png");
    writeFileSync(big, padPng(readFileSync(photo), 5 * 1024 * 1024));
    const page = await chatPage();
    const sent = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/messages"));
    await page.locator('input[type="file"]').setInputFiles(big);
    expect((await sent).headers()["content-type"]).toMatch(/^multipart\/form-data/);
    await page.locator('li.msg[data-role="bot"]').first().waitFor();
    const stored = await page.evaluate(async () => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("seekdesk.conversation."));
      const res = await fetch(`/api/conversations/${localStorage.getItem(key ?? "")}/messages`);
      return ((await res.json()) as { data: { role: string; text: string }[] }).data;
    });
    expect(stored.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      expect.stringMatching(/shipping/i),
    ]);
    await page.context().close();
  });

  it("a voice message recorded in the browser is transcribed offline and answered", async () => {
    const page = await chatPage();
    await page.getByRole("button", { name: "Record a voice message" }).click();
    const stop = page.getByRole("button", { name: "Stop recording" });
    // The button counts recorded seconds: stop once the words and some silence are in.
    await stop.getByText("3s").waitFor();
    await stop.click();
    await expect
      .poll(async () => (await userTexts(page)).join(" "), { timeout: 60_000 })
      .toMatch(/where is my/);
    await page.locator('li.msg[data-role="bot"]').first().waitFor();
    await page.screenshot({ path: screenshotPath("customer-voice-question") });
    await page.context().close();
  });
});
