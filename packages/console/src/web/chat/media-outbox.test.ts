import { describe, expect, it } from "vitest";
import { keepVerdict, MAX_ITEM_BYTES, MAX_TOTAL_BYTES, MediaOutbox } from "./media-outbox.ts";

const MB = 1024 * 1024;

describe("keepVerdict", () => {
  it("keeps up to 10 MB an item and 25 MB in all, and says which cap refused", () => {
    expect(MAX_ITEM_BYTES).toBe(10 * MB);
    expect(MAX_TOTAL_BYTES).toBe(25 * MB);
    expect(keepVerdict(10 * MB, 15 * MB)).toBeNull();
    expect(keepVerdict(10 * MB + 1, 0)).toBe("too-large");
    expect(keepVerdict(5 * MB, 20 * MB + 1)).toBe("full");
    expect(keepVerdict(0, 25 * MB)).toBeNull();
  });
});

// Node has no IndexedDB: the outbox runs as in a browser without it (some private modes).
describe("a media outbox without IndexedDB", () => {
  const blob = (bytes: number) => new Blob([new Uint8Array(bytes)], { type: "image/png" });

  it("holds entries in page memory, says they are not kept, and lists them oldest first", async () => {
    const box = new MediaOutbox("account:nodb");
    expect(await box.put({ clientKey: "b", kind: "audio", blob: blob(8), at: 2 })).toBe("unavailable");
    expect(await box.put({ clientKey: "a", kind: "image", blob: blob(4), at: 1 })).toBe("unavailable");
    // Another chat of the same identity in this page (after a sign-in) finds them.
    const again = new MediaOutbox("account:nodb");
    expect((await again.list()).map((e) => [e.clientKey, e.kind, e.blob.size])).toEqual([
      ["a", "image", 4],
      ["b", "audio", 8],
    ]);
    expect(await new MediaOutbox("account:other").list()).toEqual([]);
    await again.remove("a");
    expect((await box.list()).map((e) => e.clientKey)).toEqual(["b"]);
    await box.clear();
    expect(await again.list()).toEqual([]);
  });

  it("names an item over the cap as too large, before trying to store it", async () => {
    const box = new MediaOutbox("account:big", () => {
      throw new Error("not to be opened for an item over the cap");
    });
    expect(await box.put({ clientKey: "x", kind: "image", blob: blob(MAX_ITEM_BYTES + 1), at: 1 })).toBe(
      "too-large",
    );
    expect((await box.list()).map((e) => e.clientKey)).toEqual(["x"]);
  });
});
