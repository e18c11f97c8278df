import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  openSqliteConversationStore,
  type SqliteConversationStore,
  SqliteFeedbackRepository,
} from "@seekdesk/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runSeekdesk } from "../testing/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-users-cli-"));
const dataDir = join(dir, "data");

beforeAll(async () => {
  // The file `seekdesk serve` would use: data/seekdesk.sqlite.
  const store = openSqliteConversationStore(join(dataDir, "seekdesk.sqlite"));
  await store.mergeProfile("zoe", { name: "Zoe", pastOrders: ["SD20260009"] });
  const c = await store.createConversation({ userId: "zoe" });
  await store.appendMessage(c.id, { role: "user", text: "转人工" });
  await store.openTicket({ conversationId: c.id, reason: "user_request", summary: "wants a human" });
  const other = await store.createConversation({ userId: "max" });
  await store.openTicket({ conversationId: other.id, reason: "negative_sentiment", summary: "angry" });
  // The console keeps ratings and intent verdicts in the same file.
  const feedback = new SqliteFeedbackRepository((store as SqliteConversationStore).db);
  await feedback.rate(c.id, 2, "slow");
  await feedback.judgeIntent({
    conversationId: c.id,
    seq: 1,
    correct: false,
    correctedIntent: "refund",
    agent: "li",
  });
  await feedback.rate(other.id, 4);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<CliRun> {
  return runSeekdesk([...args, "--data-dir", dataDir], { cwd: dir });
}

describe("seekdesk users / tickets", () => {
  it("lists the queue, exports a user, erases them only with --yes", async () => {
    const list = await run(["tickets", "list"]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^ID\s+STATUS\s+POS/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(1, 3))).toEqual([
      ["queued", "1"],
      ["queued", "2"],
    ]);

    const out = join(dir, "zoe.json");
    const exp = await run(["users", "export", "zoe", "-o", out]);
    expect(exp.code).toBe(0);
    const data = JSON.parse(readFileSync(out, "utf8"));
    expect(data.profile.data).toEqual({ name: "Zoe", pastOrders: ["SD20260009"] });
    expect(data.conversations[0].messages[0].text).toBe("转人工");
    // Her own rating, and what agents found the bot got wrong in her turns (not which agent).
    expect(data.feedback.ratings).toMatchObject([{ rating: 2, comment: "slow" }]);
    expect(data.feedback.intentVerdicts).toEqual([
      expect.objectContaining({ seq: 1, correct: false, correctedIntent: "refund" }),
    ]);
    expect(data.feedback.intentVerdicts[0].agent).toBeUndefined();

    const refused = await run(["users", "delete", "zoe"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("--yes");
    const del = await run(["users", "delete", "zoe", "--yes"]);
    expect(del.stdout).toContain("1 conversations, 1 messages, 1 tickets, 1 ratings, 1 intent verdicts");
    // A server on this SQLite file keeps its event bus in its own memory: the CLI says so.
    expect(del.stderr).toContain("For an immediate effect erase through the server: DELETE /api/users/<id>");
    const left = await run(["tickets", "list", "--json"]);
    expect(
      left.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).userId),
    ).toEqual(["max"]);
    // What the analytics count: Max's rating, nothing of Zoe's.
    const store = openSqliteConversationStore(join(dataDir, "seekdesk.sqlite"));
    const feedback = new SqliteFeedbackRepository((store as SqliteConversationStore).db);
    expect((await feedback.ratings()).map((r) => r.rating)).toEqual([4]);
    expect(await feedback.intentFeedback()).toEqual([]);
    await store.close();
  });
});
