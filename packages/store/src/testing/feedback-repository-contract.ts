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
  });
}
