import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { RequestSignal } from "./request-abort.ts";

describe("RequestSignal", () => {
  it("fires abort listeners and onabort once, keeping the first reason", () => {
    const s = new RequestSignal();
    const seen: unknown[] = [];
    s.addEventListener("abort", () => seen.push(s.reason));
    s.onabort = () => seen.push("onabort");
    expect(s.aborted).toBe(false);
    expect(() => s.throwIfAborted()).not.toThrow();
    const first = new Error("client closed the connection");
    s.abort(first);
    s.abort(new Error("drain deadline"));
    expect(s.aborted).toBe(true);
    expect(seen).toEqual(["onabort", first]);
    expect(() => s.throwIfAborted()).toThrow(first);
  });

  it("defaults the reason to an AbortError, as AbortController does", () => {
    const s = new RequestSignal();
    s.abort();
    expect((s.reason as DOMException).name).toBe("AbortError");
  });

  it("does not call a listener that was removed", () => {
    const s = new RequestSignal();
    let calls = 0;
    const f = () => calls++;
    s.addEventListener("abort", f, { once: true });
    s.removeEventListener("abort", f);
    s.abort();
    expect(calls).toBe(0);
  });

  it("works with node:events once(), as code written for AbortSignal does", async () => {
    const s = new RequestSignal();
    const fired = once(s, "abort");
    s.abort(new Error("x"));
    await expect(fired).resolves.toHaveLength(1);
  });

  it("hands out a native signal that follows it, before or after the abort", async () => {
    const s = new RequestSignal();
    const early = s.native();
    expect(early).toBeInstanceOf(AbortSignal);
    expect(s.native()).toBe(early);
    const reason = new Error("gone");
    s.abort(reason);
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe(reason);
    // A native signal is what Node's own combinators accept.
    expect(AbortSignal.any([s.native()]).aborted).toBe(true);

    const late = new RequestSignal();
    late.abort(reason);
    expect(late.native().reason).toBe(reason);
  });
});
