import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedbackRepository } from "../feedback/types.ts";

/**
 * One behavioural suite for every FeedbackRepository, so SQLite and Postgres cannot drift. `open`
 * returns a fresh, empty repository each call.
 */
export function feedbackRepositoryContract(name: string, open: () => Promise<FeedbackRepository>): void {
  describe(`FeedbackRepository contract: ${name}`, () => {
    let repo: FeedbackRepository;
    beforeAll(async () => {
      repo = await open();
    });
    afterAll(async () => {
      await repo?.close();
    });

    it("keeps one rating per conversation, the last one given, with when it was given", async () => {
      const before = Date.now() - 1000;
      await repo.rate("c1", 2, "slow");
      await repo.rate("c2", 5);
      await repo.rate("c1", 4);
      const ratings = await repo.ratings();
      expect(ratings.map((r) => r.rating).sort()).toEqual([4, 5]);
      for (const r of ratings) {
        expect(Date.parse(r.at)).toBeGreaterThanOrEqual(before);
        expect(Date.parse(r.at)).toBeLessThanOrEqual(Date.now() + 1000);
      }
    });

    it("keeps one intent verdict per turn, the last one given", async () => {
      await repo.judgeIntent({ conversationId: "c1", seq: 1, correct: true, agent: "ada" });
      await repo.judgeIntent({ conversationId: "c1", seq: 3, correct: true, agent: "ada" });
      await repo.judgeIntent({
        conversationId: "c1",
        seq: 3,
        correct: false,
        correctedIntent: "refund",
        agent: "bob",
      });
      const verdicts = await repo.intentFeedback();
      expect(verdicts.map((v) => v.correct).sort()).toEqual([false, true]);
      expect(verdicts.every((v) => !Number.isNaN(Date.parse(v.at)))).toBe(true);
    });

    it("refuses a rating outside 1 to 5", async () => {
      await expect(repo.rate("c3", 6)).rejects.toThrow();
      expect(await repo.ratings()).toHaveLength(2);
    });

    it("exports and erases what is kept about some conversations, and nothing else", async () => {
      await repo.rate("c4", 1, "rude");
      await repo.judgeIntent({
        conversationId: "c4",
        seq: 2,
        correct: false,
        correctedIntent: "refund",
        agent: "bob",
      });
      const kept = await repo.forConversations(["c4", "c1", "never-rated"]);
      expect(kept.ratings.map(({ at, ...r }) => r)).toEqual([
        { conversationId: "c1", rating: 4, comment: null },
        { conversationId: "c4", rating: 1, comment: "rude" },
      ]);
      expect(kept.intentVerdicts.map(({ at, ...v }) => v)).toEqual([
        { conversationId: "c1", seq: 1, correct: true, correctedIntent: null },
        { conversationId: "c1", seq: 3, correct: false, correctedIntent: "refund" },
        { conversationId: "c4", seq: 2, correct: false, correctedIntent: "refund" },
      ]);
      expect([...kept.ratings, ...kept.intentVerdicts].every((x) => !Number.isNaN(Date.parse(x.at)))).toBe(
        true,
      );
      expect(await repo.forConversations([])).toEqual({ ratings: [], intentVerdicts: [] });

      expect(await repo.deleteConversations([])).toEqual({ ratings: 0, intentVerdicts: 0 });
      expect(await repo.deleteConversations(["c1", "c4", "never-rated"])).toEqual({
        ratings: 2,
        intentVerdicts: 3,
      });
      // What the analytics read: only c2's rating is left.
      expect((await repo.ratings()).map((r) => r.rating)).toEqual([5]);
      expect(await repo.intentFeedback()).toEqual([]);
      expect(await repo.forConversations(["c1", "c4"])).toEqual({ ratings: [], intentVerdicts: [] });
    });
  });
}
