import { RateLimitError } from "@seekdesk/core";
import { describe, expect, it } from "vitest";
import { apiKeyRecord } from "../testing/api-key-record.ts";
import { KeyLimiter } from "./limiter.ts";

const key = (rpm: number | null, tpm: number | null) => apiKeyRecord(rpm, tpm);

function refused(fn: () => void): RateLimitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RateLimitError) return err;
    throw err;
  }
  throw new Error("expected a RateLimitError");
}

describe("per-key limits over a sliding minute (clock injected)", () => {
  it("refuses the request past rpm and says when the oldest one expires", () => {
    let now = 1_000_000;
    const limiter = new KeyLimiter(() => now);
    const k = key(3, null);
    limiter.admit(k); // t = 0 s
    now += 20_000;
    limiter.admit(k); // t = 20 s
    limiter.admit(k);
    now += 5_000; // t = 25 s
    const err = refused(() => limiter.admit(k));
    expect(err.code).toBe("requests_per_minute_exceeded");
    // The request at t = 0 leaves the window at t = 60 s: 35 s from now.
    expect(err.retryAfterSeconds).toBe(35);
    now += 35_000;
    expect(() => limiter.admit(k)).not.toThrow();
    expect(limiter.remaining(k).requests).toBe(0);
  });

  it("counts tokens when requests end and refuses once the minute's budget is spent", () => {
    let now = 5_000_000;
    const limiter = new KeyLimiter(() => now);
    const k = key(null, 100);
    limiter.admit(k);
    limiter.charge(k, 60);
    limiter.admit(k);
    limiter.charge(k, 50);
    expect(limiter.remaining(k).tokens).toBe(0);
    const err = refused(() => limiter.admit(k));
    expect(err.code).toBe("tokens_per_minute_exceeded");
    expect(err.retryAfterSeconds).toBe(60);
    now += 61_000;
    expect(() => limiter.admit(k)).not.toThrow();
    expect(limiter.remaining(k).tokens).toBe(100);
  });

  it("keeps keys apart and leaves unlimited keys alone", () => {
    const limiter = new KeyLimiter(() => 0);
    const a = { ...key(1, null), id: "key_a" };
    const b = { ...key(1, null), id: "key_b" };
    limiter.admit(a);
    expect(() => limiter.admit(b)).not.toThrow();
    expect(() => limiter.admit(a)).toThrow(RateLimitError);
    const free = key(null, null);
    for (let i = 0; i < 1000; i++) limiter.admit(free);
    expect(limiter.remaining(free)).toEqual({ requests: null, tokens: null });
  });
});
