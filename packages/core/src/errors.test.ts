import { describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  RateLimitError,
  retryAfterSeconds,
  StoreUnavailableError,
  toSeekdeskError,
  UnavailableError,
} from "./errors.ts";

describe("errors map to the OpenAI error shape", () => {
  it("keeps status, type, code and param", () => {
    const err = new InvalidRequestError("temperature must be between 0 and 2", "temperature");
    expect(err.status).toBe(400);
    expect(err.toJSON()).toEqual({
      error: {
        message: "temperature must be between 0 and 2",
        type: "invalid_request_error",
        code: "invalid_request",
        param: "temperature",
      },
    });
  });

  it("carries Retry-After seconds on rate limits", () => {
    const err = new RateLimitError("queue full", 2);
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(2);
  });

  it("hides unknown errors behind a 500", () => {
    const err = toSeekdeskError(new Error("secret path /etc/x"));
    expect(err.status).toBe(500);
    expect(err.message).not.toContain("secret");
  });

  it("answers a store outage with 503, a retryable code and Retry-After, keeping the driver's error only as the cause", () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:5432");
    const down = new StoreUnavailableError("unreachable", { cause });
    expect(down).toBeInstanceOf(UnavailableError);
    expect(down.toJSON().error).toMatchObject({ type: "unavailable_error", code: "store_unavailable" });
    expect(down.message).not.toContain("ECONNREFUSED");
    expect(down.cause).toBe(cause);
    expect(retryAfterSeconds(down)).toBe(5);
    expect(retryAfterSeconds(new StoreUnavailableError("pool_timeout"))).toBe(1);
    expect(retryAfterSeconds(new RateLimitError("slow down", 0.2))).toBe(1);
    expect(retryAfterSeconds(new UnavailableError("draining", "shutting_down"))).toBeNull();
  });
});
