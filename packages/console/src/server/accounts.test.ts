import { openSqlite, SqliteAccountRepository } from "@seekdesk/store";
import { describe, expect, it } from "vitest";
import { AccountStore } from "./accounts.ts";

describe("console accounts", () => {
  it("hashes passwords, logs in, and resolves the session", async () => {
    const db = openSqlite(":memory:");
    const store = new AccountStore(new SqliteAccountRepository(db));
    const admin = await store.create({ username: "lead", password: "correct horse", role: "admin" });
    const stored = db.prepare("SELECT password_hash FROM accounts WHERE id = ?").get(admin.id) as {
      password_hash: string;
    };
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.password_hash).not.toContain("correct horse");

    expect(await store.login("lead", "wrong password")).toBeNull();
    expect(await store.login("nobody", "correct horse")).toBeNull();
    const ok = await store.login("LEAD", "correct horse");
    expect(ok?.account.role).toBe("admin");
    expect((await store.session(ok?.token))?.account.username).toBe("lead");
    await store.logout(ok?.token);
    expect(await store.session(ok?.token)).toBeNull();
  });

  it("rejects weak input with errors naming the field", async () => {
    const store = new AccountStore(new SqliteAccountRepository(openSqlite(":memory:")));
    await expect(
      store.create({ username: "a b", password: "longenough", role: "agent" }),
    ).rejects.toMatchObject({
      status: 400,
      param: "username",
    });
    await expect(store.create({ username: "ann", password: "short", role: "agent" })).rejects.toMatchObject({
      param: "password",
    });
    await store.create({ username: "ann", password: "longenough", role: "agent" });
    await expect(
      store.create({ username: "ANN", password: "longenough", role: "agent" }),
    ).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("ends the sessions of a disabled account and of a password change", async () => {
    const store = new AccountStore(new SqliteAccountRepository(openSqlite(":memory:")));
    const a = await store.create({ username: "bo", password: "password-1", role: "agent" });
    const s1 = await store.login("bo", "password-1");
    await store.setPassword(a.id, "password-2");
    expect(await store.session(s1?.token)).toBeNull();
    const s2 = await store.login("bo", "password-2");
    await store.update(a.id, { disabled: true });
    expect(await store.session(s2?.token)).toBeNull();
    expect(await store.login("bo", "password-2")).toBeNull();
  });
});
