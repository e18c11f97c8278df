import { describe, expect, it } from "vitest";
import { isExpired, OUTBOX_MAX_AGE_MS, OUTBOX_MAX_ENTRIES, Outbox, type OutboxEntry } from "./outbox.ts";

const HOUR = 60 * 60 * 1000;
const now = Date.UTC(2026, 10, 29, 12);

describe("the outbox's age limit", () => {
  it("is a day: a message goes out by itself up to 24 hours after it was first sent, not after", () => {
    expect(OUTBOX_MAX_AGE_MS).toBe(24 * HOUR);
    expect(isExpired(now - 23 * HOUR, now)).toBe(false);
    expect(isExpired(now - 24 * HOUR, now)).toBe(false);
    expect(isExpired(now - 24 * HOUR - 1, now)).toBe(true);
    expect(isExpired(now - 3 * 24 * HOUR, now)).toBe(true);
    expect(isExpired(now - 2 * HOUR, now, HOUR)).toBe(true);
  });

  it("counts a message of unknown age (kept before its time was recorded) as expired", () => {
    expect(isExpired(undefined, now)).toBe(true);
    expect(isExpired(Number.NaN, now)).toBe(true);
  });

  it("keeps an expired entry, with its time, until it is removed: nothing is dropped for its age", () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    };
    const box = new Outbox("account:old", storage);
    box.put({ clientKey: "a", text: "from last week", at: now - 7 * 24 * HOUR });
    box.put({ clientKey: "b", text: "from just now", at: now });
    const again = new Outbox("account:old", storage).list();
    expect(again.map((e) => [e.clientKey, isExpired(e.at, now)])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    box.remove("a");
    expect(box.list().map((e) => e.clientKey)).toEqual(["b"]);
  });
});

/** A real in-memory key-value store, as localStorage behaves. */
function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe("the outbox's bound", () => {
  it(`keeps ${OUTBOX_MAX_ENTRIES} messages; the next is held in the page, said "full", and none is evicted`, () => {
    expect(OUTBOX_MAX_ENTRIES).toBe(200);
    const storage = memoryStorage();
    const box = new Outbox("account:chatty", storage);
    for (let i = 0; i < OUTBOX_MAX_ENTRIES; i++)
      expect(box.put({ clientKey: `k${i}`, text: `message ${i}`, at: now + i })).toBeNull();
    expect(box.put({ clientKey: "over", text: "one too many", at: now + 999 })).toBe("full");

    // Every earlier one is still kept past a reload (a new Outbox reads the same storage)...
    const kept = JSON.parse(storage.data.get("seekdesk.outbox.account:chatty") ?? "[]") as OutboxEntry[];
    expect(kept.map((e) => e.clientKey)).toEqual(
      Array.from({ length: OUTBOX_MAX_ENTRIES }, (_, i) => `k${i}`),
    );
    // ...and the one over the bound is still listed in this page, so a sign-in without reload sends it.
    const listed = new Outbox("account:chatty", storage).list();
    expect(listed).toHaveLength(OUTBOX_MAX_ENTRIES + 1);
    expect(listed.at(-1)).toEqual({ clientKey: "over", text: "one too many", at: now + 999 });

    // A retry of a kept one replaces it rather than counting twice.
    expect(box.put({ clientKey: "k5", text: "message 5", at: now + 5 })).toBeNull();
    // Once one has gone out there is room again: the held one is kept on its next try.
    box.remove("k0");
    expect(box.put({ clientKey: "over", text: "one too many", at: now + 999 })).toBeNull();
    expect(box.list()).toHaveLength(OUTBOX_MAX_ENTRIES);
    expect(storage.data.get("seekdesk.outbox.account:chatty")).toContain("one too many");
  });

  it("holds in the page, and says so, a message localStorage refuses (QuotaExceededError, injected)", () => {
    const storage = memoryStorage();
    const box = new Outbox("account:quota", storage);
    expect(box.put({ clientKey: "a", text: "kept", at: now })).toBeNull();
    // The origin's quota is used up by something else: the browser throws on every larger write.
    let full = true;
    const quota = {
      ...storage,
      setItem: (k: string, v: string) => {
        if (full) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        storage.setItem(k, v);
      },
    };
    const tight = new Outbox("account:quota", quota);
    expect(tight.put({ clientKey: "b", text: "not kept", at: now + 1 })).toBe("unavailable");
    expect(tight.list().map((e) => e.text)).toEqual(["kept", "not kept"]);
    expect(JSON.parse(storage.data.get("seekdesk.outbox.account:quota") ?? "[]")).toHaveLength(1);
    // Room again: its next try keeps it, and it leaves the page's memory.
    full = false;
    expect(tight.put({ clientKey: "b", text: "not kept", at: now + 1 })).toBeNull();
    expect(JSON.parse(storage.data.get("seekdesk.outbox.account:quota") ?? "[]")).toHaveLength(2);
    tight.remove("b");
    expect(tight.list().map((e) => e.clientKey)).toEqual(["a"]);
  });

  it("without localStorage at all, holds every message in the page and says it cannot store it", () => {
    const box = new Outbox("account:private", null);
    expect(box.put({ clientKey: "a", text: "hello", at: now })).toBe("unavailable");
    expect(new Outbox("account:private", null).list().map((e) => e.clientKey)).toEqual(["a"]);
    box.clear();
    expect(box.list()).toEqual([]);
  });
});
