import { RateLimitError, UnavailableError } from "@seekdesk/core";
import { startTestRedis, type TestRedis } from "@seekdesk/store/testing/redis.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyRecord } from "../testing/api-key-record.ts";
import { RedisKeyLimiter } from "./redis-limiter.ts";

let redis: TestRedis;
const open: RedisKeyLimiter[] = [];
let n = 0;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
  await redis?.stop();
});

/** A fresh key id per test, so tests share the server but not budgets. */
const key = (rpm: number | null, tpm: number | null) => apiKeyRecord(rpm, tpm, `key_redis_${++n}`);

function replica(opts: Partial<ConstructorParameters<typeof RedisKeyLimiter>[0]> = {}): RedisKeyLimiter {
  const l = new RedisKeyLimiter({ url: redis.url, ...opts });
  open.push(l);
  return l;
}

async function refused(p: Promise<unknown>): Promise<RateLimitError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (err instanceof RateLimitError) return err;
  throw new Error(`expected a RateLimitError, got ${String(err)}`);
}

describe("per-key limits shared by replicas through a real redis-server", () => {
  it("two replicas draw on one requests-per-minute budget", async () => {
    const [a, b] = [replica(), replica()];
    const k = key(3, null);
    expect(await a.admit(k)).toEqual({ requests: 2, tokens: null });
    expect(await b.admit(k)).toEqual({ requests: 1, tokens: null });
    expect(await a.admit(k)).toEqual({ requests: 0, tokens: null });
    const err = await refused(b.admit(k));
    expect(err.code).toBe("requests_per_minute_exceeded");
    // The oldest request expires a minute after it was admitted, a second or so ago.
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(60);
    // A refused request is not counted: another key is untouched and this one stays at 3.
    expect(await a.admit(key(3, null))).toEqual({ requests: 2, tokens: null });
  });

  it("tokens charged on one replica are refused on the other", async () => {
    const [a, b] = [replica(), replica()];
    const k = key(null, 100);
    expect(await a.admit(k)).toEqual({ requests: null, tokens: 100 });
    await a.charge(k, 60);
    expect(await b.admit(k)).toEqual({ requests: null, tokens: 40 });
    await b.charge(k, 45);
    const err = await refused(a.admit(k));
    expect(err.code).toBe("tokens_per_minute_exceeded");
    expect(err.message).toContain("100 tokens per minute");
  });

  it("a key without limits never touches Redis", async () => {
    const l = replica({ url: "redis://127.0.0.1:1" });
    expect(await l.admit(key(null, null))).toEqual({ requests: null, tokens: null });
  });

  it("with Redis unreachable from the start, answers within its timeout instead of waiting for a connection", async () => {
    const errors: Error[] = [];
    const allow = replica({ url: "redis://127.0.0.1:1", timeoutMs: 200, onError: (e) => errors.push(e) });
    const deny = replica({
      url: "redis://127.0.0.1:1",
      timeoutMs: 200,
      onStoreError: "deny",
      onError: () => {},
    });
    void allow.connect(); // as the server does at start-up; it never settles while Redis is away
    const k = key(5, 1000);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect(await allow.admit(k)).toEqual({ requests: null, tokens: null });
      expect(Date.now() - started).toBeLessThan(1500);
    }
    await allow.charge(k, 10);
    const started = Date.now();
    expect(await deny.admit(k).catch((e: unknown) => e)).toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(errors.length).toBeGreaterThan(0);
  });

  it("while Redis is down: 'allow' serves unlimited and reports, 'deny' answers 503; both recover", async () => {
    const errors: Error[] = [];
    const allow = replica({ onError: (e) => errors.push(e) });
    const deny = replica({ onStoreError: "deny", onError: () => {} });
    const k = key(5, null);
    await allow.admit(k);
    await deny.admit(k);
    await redis.kill();
    expect(await allow.admit(k)).toEqual({ requests: null, tokens: null });
    expect(errors.length).toBeGreaterThan(0);
    const err = await deny.admit(k).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).status).toBe(503);

    await redis.start();
    // Both reconnect on their own (backoff starts at 100 ms); bounded wait.
    const until = Date.now() + 10_000;
    let back: unknown = null;
    while (Date.now() < until) {
      back = await deny.admit(k).catch((e: unknown) => e);
      if (!(back instanceof Error)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The restarted server has no persistence: the budget starts over.
    expect(back).toEqual({ requests: 4, tokens: null });
    expect(await allow.admit(k)).toEqual({ requests: 3, tokens: null });
  });
});
