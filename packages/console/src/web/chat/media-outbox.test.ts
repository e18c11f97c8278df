import { InputsConfigSchema } from "@seekdesk/assistant/service/http-plugin.ts";
import { describe, expect, it } from "vitest";
import {
  keepVerdict,
  MAX_TOTAL_BYTES,
  MAX_UPLOAD_BYTES,
  MediaOutbox,
  tooLargeToSend,
} from "./media-outbox.ts";

const MB = 1024 * 1024;

describe("the media outbox's caps", () => {
  it("send and keep every file the server takes by default (assistant.inputs.maxUploadBytes), and no larger", () => {
    const serverDefault = InputsConfigSchema.parse({}).maxUploadBytes;
    expect(MAX_UPLOAD_BYTES).toBe(serverDefault);
    expect(tooLargeToSend(serverDefault)).toBe(false);
    expect(tooLargeToSend(serverDefault + 1)).toBe(true);
    // A 15 MB photo is kept, and so is a second file at the limit beside it.
    expect(keepVerdict(15 * MB, 0)).toBeNull();
    expect(keepVerdict(serverDefault, serverDefault)).toBeNull();
  });
  it("keep 50 MB in all, and say when that is full", () => {
    expect(MAX_TOTAL_BYTES).toBe(50 * MB);
    expect(keepVerdict(5 * MB, 45 * MB + 1)).toBe("full");
    expect(keepVerdict(0, 50 * MB)).toBeNull();
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

  it("says an item over the total cap is not kept, before trying to store it", async () => {
    const box = new MediaOutbox("account:big", () => {
      throw new Error("not to be opened for an item over the cap");
    });
    expect(await box.put({ clientKey: "x", kind: "image", blob: blob(MAX_TOTAL_BYTES + 1), at: 1 })).toBe(
      "full",
    );
    expect((await box.list()).map((e) => e.clientKey)).toEqual(["x"]);
  });
});
