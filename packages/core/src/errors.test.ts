import { describe, expect, it } from "vitest";
import { InvalidRequestError, RateLimitError, toSeekdeskError } from "./errors.ts";

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
});
