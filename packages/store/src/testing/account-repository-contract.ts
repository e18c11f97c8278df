import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccountRepository } from "../accounts/types.ts";

const account = (username: string, role = "agent") => ({
  username,
  displayName: `${username} display`,
  passwordHash: `$argon2id$fake$${username}`,
  role,
});

/**
 * One behavioural suite for every AccountRepository, so SQLite and Postgres cannot drift. `open`
 * returns a fresh, empty repository each call.
 */
export function accountRepositoryContract(name: string, open: () => Promise<AccountRepository>): void {
  describe(`AccountRepository contract: ${name}`, () => {
    let repo: AccountRepository;
    beforeAll(async () => {
      repo = await open();
    });
    afterAll(async () => {
      await repo?.close();
    });

    it("creates accounts with unique usernames regardless of case", async () => {
      expect(await repo.count()).toBe(0);
      const lead = await repo.insert(account("Lead", "admin"));
      expect(lead).toMatchObject({
        username: "Lead",
        role: "admin",
        disabled: false,
        displayName: "Lead display",
      });
      expect(lead?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(await repo.insert(account("lead"))).toBeNull();
      const ann = await repo.insert(account("ann"));
      expect(await repo.count()).toBe(2);
      expect((await repo.list()).map((a) => a.username)).toEqual(["Lead", "ann"]);
      expect((await repo.findByUsername("LEAD"))?.id).toBe(lead?.id);
      expect(await repo.get(ann?.id ?? -1)).toEqual(ann);
      expect(await repo.get(987654)).toBeNull();
      expect(await repo.findByUsername("nobody")).toBeNull();
    });

    it("keeps sessions, extends and ends them, and prunes expired ones on the next sign-in", async () => {
      const bo = await repo.insert(account("bo"));
      if (!bo) throw new Error("insert failed");
      const now = Date.now();
      await repo.createSession({
        tokenHash: "old",
        accountId: bo.id,
        createdAt: now - 10,
        expiresAt: now - 5,
      });
      expect((await repo.findSession("old"))?.expiresAt).toBe(now - 5);
      await repo.createSession({ tokenHash: "s1", accountId: bo.id, createdAt: now, expiresAt: now + 1000 });
      expect(await repo.findSession("old")).toBeNull();
      expect(await repo.findSession("s1")).toMatchObject({
        account: { username: "bo" },
        expiresAt: now + 1000,
      });
      await repo.extendSession("s1", now + 5000);
      expect((await repo.findSession("s1"))?.expiresAt).toBe(now + 5000);
      await repo.deleteSession("s1");
      expect(await repo.findSession("s1")).toBeNull();
      expect(await repo.findSession("never")).toBeNull();
    });

    it("ends an account's sessions when it is disabled, its password changes or it is removed", async () => {
      const cy = await repo.insert(account("cy"));
      if (!cy) throw new Error("insert failed");
      const start = (t: string) =>
        repo.createSession({
          tokenHash: t,
          accountId: cy.id,
          createdAt: Date.now(),
          expiresAt: Date.now() + 60_000,
        });
      await start("a");
      expect(await repo.setPasswordHash(cy.id, "$argon2id$new")).toBe(true);
      expect(await repo.findSession("a")).toBeNull();
      expect((await repo.get(cy.id))?.passwordHash).toBe("$argon2id$new");
      await start("b");
      expect(await repo.update(cy.id, { role: "viewer", disabled: false, displayName: "Cy" })).toMatchObject({
        role: "viewer",
        displayName: "Cy",
      });
      expect(await repo.findSession("b")).not.toBeNull();
      expect(
        (await repo.update(cy.id, { role: "viewer", disabled: true, displayName: "Cy" }))?.disabled,
      ).toBe(true);
      expect(await repo.findSession("b")).toBeNull();
      await start("c");
      expect(await repo.remove(cy.id)).toBe(true);
      expect(await repo.findSession("c")).toBeNull();
      expect(await repo.get(cy.id)).toBeNull();
      expect(await repo.remove(cy.id)).toBe(false);
      expect(await repo.setPasswordHash(cy.id, "x")).toBe(false);
      expect(await repo.update(cy.id, { role: "agent", disabled: false, displayName: "x" })).toBeNull();
    });

    it("counts failed sign-ins per key within a window, starts again after it, and clears them", async () => {
      const t = 1_000_000;
      expect(await repo.loginFailures("ann|1.2.3.4", t)).toBeNull();
      expect(await repo.addLoginFailure("ann|1.2.3.4", t, 100)).toEqual({ count: 1, until: t + 100 });
      expect(await repo.addLoginFailure("ann|1.2.3.4", t + 50, 100)).toEqual({ count: 2, until: t + 150 });
      expect(await repo.addLoginFailure("bo|1.2.3.4", t + 50, 100)).toEqual({ count: 1, until: t + 150 });
      expect(await repo.loginFailures("ann|1.2.3.4", t + 60)).toEqual({ count: 2, until: t + 150 });
      expect(await repo.loginFailures("bo|1.2.3.4", t + 60)).toEqual({ count: 1, until: t + 150 });
      expect(await repo.loginFailures("ann|1.2.3.4", t + 150)).toBeNull();
      expect(await repo.addLoginFailure("ann|1.2.3.4", t + 200, 100)).toEqual({ count: 1, until: t + 300 });
      await repo.clearLoginFailures("ann|1.2.3.4");
      expect(await repo.loginFailures("ann|1.2.3.4", t + 210)).toBeNull();
    });

    it("refuses a role the console does not know", async () => {
      await expect(repo.insert(account("eve", "root"))).rejects.toThrow();
    });
  });
}
