import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeskAdminRepository } from "../desk-admin/types.ts";

/**
 * One behavioural suite for every DeskAdminRepository, so SQLite and Postgres cannot drift.
 * `open` returns a fresh, empty repository each call.
 */
export function deskAdminRepositoryContract(name: string, open: () => Promise<DeskAdminRepository>): void {
  describe(`DeskAdminRepository contract: ${name}`, () => {
    let repo: DeskAdminRepository;
    beforeAll(async () => {
      repo = await open();
    });
    afterAll(async () => {
      await repo?.close();
    });

    it("keeps one change per utterance, in the order made, a change made again moving to the end", async () => {
      expect(await repo.exampleChanges()).toEqual([]);
      await repo.recordExample({ intent: "warranty", text: "zorblax", op: "add" });
      await repo.recordExample({ intent: "warranty", text: "is this covered", op: "remove" });
      await repo.recordExample({ intent: "refund", text: "money back", op: "add" });
      await repo.recordExample({ intent: "warranty", text: "zorblax", op: "remove" });
      expect(await repo.exampleChanges()).toEqual([
        { intent: "warranty", text: "is this covered", op: "remove" },
        { intent: "refund", text: "money back", op: "add" },
        { intent: "warranty", text: "zorblax", op: "remove" },
      ]);
      await repo.forgetExample("warranty", "is this covered");
      await repo.forgetExample("warranty", "never recorded");
      expect((await repo.exampleChanges()).map((c) => c.text)).toEqual(["money back", "zorblax"]);
    });

    it("saves settings as JSON values, leaving the ones not given as they were", async () => {
      expect(await repo.settings()).toEqual({});
      await repo.saveSettings({ handoffThreshold: 0.8, handoffPhrases: ["duty manager", "人工"] });
      await repo.saveSettings({ handoffThreshold: 1, windowTurns: 12 });
      await repo.saveSettings({});
      expect(await repo.settings()).toEqual({
        handoffThreshold: 1,
        handoffPhrases: ["duty manager", "人工"],
        windowTurns: 12,
      });
    });

    it("counts retrainings from 0", async () => {
      expect(await repo.trainingGeneration()).toBe(0);
      expect(await repo.recordTraining()).toBe(1);
      expect(await repo.recordTraining()).toBe(2);
      expect(await repo.trainingGeneration()).toBe(2);
    });
  });
}
