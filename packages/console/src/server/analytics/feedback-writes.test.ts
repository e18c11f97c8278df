import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConversationStore,
  openSqliteConversationStore,
  type SqliteConversationStore,
  SqliteFeedbackRepository,
} from "@seekdesk/store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeWhileConversationExists } from "./feedback-writes.ts";

let dir: string;
let store: ConversationStore;
let feedback: SqliteFeedbackRepository;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "seekdesk-feedback-"));
  store = openSqliteConversationStore(join(dir, "seekdesk.sqlite"));
  feedback = new SqliteFeedbackRepository((store as SqliteConversationStore).db);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a user's erasure does to the rows (eraseUserData's order: feedback, user, feedback again). */
async function erase(userId: string, conversationIds: string[]): Promise<void> {
  await feedback.deleteConversations(conversationIds);
  await store.deleteUser(userId);
  await feedback.deleteConversations(conversationIds);
}

describe("writeWhileConversationExists", () => {
  it("keeps a rating on a conversation that exists", async () => {
    const c = await store.createConversation({ userId: "ann" });
    expect(
      await writeWhileConversationExists(store, feedback, c.id, () => feedback.rate(c.id, 4, "ok")),
    ).toBe(true);
    expect((await feedback.forConversations([c.id])).ratings).toMatchObject([{ rating: 4, comment: "ok" }]);
  });

  it("removes a rating that lands after an erasure has finished (erasure forced between the route's check and the write)", async () => {
    const c = await store.createConversation({ userId: "ann" });
    const kept = await writeWhileConversationExists(store, feedback, c.id, async () => {
      await erase("ann", [c.id]);
      await feedback.rate(c.id, 1, "too late");
    });
    expect(kept).toBe(false);
    expect(await feedback.forConversations([c.id])).toMatchObject({ ratings: [], intentVerdicts: [] });
    expect(await feedback.ratings()).toEqual([]);
  });

  it("removes an intent verdict written after the conversation went, and leaves other conversations' feedback", async () => {
    const gone = await store.createConversation({ userId: "ann" });
    const other = await store.createConversation({ userId: "bob" });
    await feedback.rate(other.id, 5);
    const kept = await writeWhileConversationExists(store, feedback, gone.id, async () => {
      await erase("ann", [gone.id]);
      await feedback.judgeIntent({ conversationId: gone.id, seq: 1, correct: false, agent: "agent-a" });
    });
    expect(kept).toBe(false);
    expect((await feedback.forConversations([gone.id])).intentVerdicts).toEqual([]);
    expect((await feedback.forConversations([other.id])).ratings).toHaveLength(1);
  });
});
