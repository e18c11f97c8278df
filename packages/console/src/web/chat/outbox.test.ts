import { describe, expect, it } from "vitest";
import { isExpired, OUTBOX_MAX_AGE_MS, Outbox } from "./outbox.ts";

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
