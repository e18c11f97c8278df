import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createClient } from "@redis/client";
import { startTestRedis, type TestRedis } from "@seekdesk/store/testing/redis.ts";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempGateway, type TempGateway } from "../testing/temp-gateway.ts";
import { MemoryFailureCounter } from "../throttle/memory-failure-counter.ts";
import { RedisFailureCounter } from "../throttle/redis-failure-counter.ts";

/**
 * server.authThrottle with rateLimits.store "redis": two gateway replicas behind one (imaginary)
 * trusted proxy share one SQLite file of keys and one real redis-server, and count a client's
 * invalid keys together, so the two of them allow maxFailures (20), not twice that.
 */
const WINDOW_MS = 3_000;
let redis: TestRedis;
let shared: string;
let key: string;
const replicas: TempGateway[] = [];
const logs: string[][] = [];
const counters: RedisFailureCounter[] = [];

/** A logger whose lines land in `lines`, to count the outage warnings. */
function capture(lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return pino({ level: "info" }, sink);
}

beforeAll(async () => {
  redis = await startTestRedis();
  shared = mkdtempSync(join(tmpdir(), "seekdesk-shared-authfail-"));
  for (let i = 0; i < 2; i++) {
    const lines: string[] = [];
    logs.push(lines);
    replicas.push(
      await startTempGateway({
        logger: capture(lines),
        config: {
          store: { path: join(shared, "seekdesk.sqlite") },
          rateLimits: { store: "redis", url: redis.url },
          server: { trustProxy: ["loopback"], authThrottle: { windowMs: WINDOW_MS } },
        },
      }),
    );
  }
  ({ key } = await replicas[0].gateway.keys.create({ name: "real" }));
}, 30_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  for (const c of counters) await c.close();
  await redis?.stop();
  rmSync(shared, { recursive: true, force: true });
});

const madeUp = () => `sk-sd-${randomBytes(32).toString("base64url")}`;

/** A request through the trusted proxy for `client`, with a deadline: a hung request fails the test. */
function get(r: TempGateway, apiKey: string, client: string): Promise<Response> {
  return fetch(`${r.url}/v1/models`, {
    headers: { authorization: `Bearer ${apiKey}`, "x-forwarded-for": client },
    signal: AbortSignal.timeout(2_000),
  });
}

/** One command on a connection of its own, as an operator's redis-cli would send it. */
async function raw(...command: string[]): Promise<unknown> {
  const c = createClient({ url: redis.url });
  await c.connect();
  try {
    return await c.sendCommand(command);
  } finally {
    await c.close();
  }
}

describe("failed API key throttle shared by replicas through Redis", () => {
  it("12 invalid keys on one replica and 9 on the other: the 21st is refused on both, other clients go on, and the window ends", async () => {
    const [a, b] = replicas;
    const guesser = "203.0.113.7";
    for (let i = 0; i < 12; i++) expect((await get(a, madeUp(), guesser)).status).toBe(401);
    for (let i = 0; i < 8; i++) expect((await get(b, madeUp(), guesser)).status).toBe(401);
    // Each replica alone has seen fewer than 20; together they have seen 20.
    for (const [r, apiKey] of [
      [b, madeUp()],
      [a, madeUp()],
      [a, key],
      [b, key],
    ] as const) {
      const res = await get(r, apiKey, guesser);
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ error: { code: "too_many_failed_auth" } });
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }
    // The count lives under the rate limits' prefix and expires by itself at the window's end.
    const counted = `seekdesk:ratelimit:authfail:${guesser}`;
    const count = await raw("GET", counted);
    const ttl = Number(await raw("PTTL", counted));
    expect(count).toBe("20");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);

    for (const r of [a, b]) expect((await get(r, key, "198.51.100.8")).status).toBe(200);
    expect((await get(b, madeUp(), "198.51.100.8")).status).toBe(401);

    await new Promise((ok) => setTimeout(ok, ttl + 100));
    for (const r of [a, b]) expect((await get(r, key, guesser)).status).toBe(200);
    expect(await raw("EXISTS", counted)).toBe(0);
  });

  it("counts in a window that opens at the first failure and does not grow with later ones", async () => {
    const c = new RedisFailureCounter({
      url: redis.url,
      prefix: "test:authfail:",
      fallback: new MemoryFailureCounter(10),
    });
    counters.push(c);
    await c.connect();
    const now = Date.now();
    expect(await c.failures("k", now)).toBeNull();
    const first = await c.addFailure("k", now, 600);
    expect(first.count).toBe(1);
    await new Promise((ok) => setTimeout(ok, 300));
    const second = await c.addFailure("k", now + 300, 600);
    expect(second.count).toBe(2);
    // The same end, give or take the clock's tick, not 300 ms later.
    expect(Math.abs(second.until - first.until)).toBeLessThan(50);
    await new Promise((ok) => setTimeout(ok, 400));
    expect(await c.failures("k", Date.now())).toBeNull();
    expect((await c.addFailure("k", Date.now(), 600)).count).toBe(1);
  });

  it("with Redis stopped, bad keys get 401 and good ones 200 without hanging, each replica counts in memory, and one warning is logged per outage", async () => {
    const [a, b] = replicas;
    await redis.kill();
    for (let i = 0; i < 5; i++)
      for (const r of [a, b]) {
        expect((await get(r, madeUp(), "192.0.2.10")).status).toBe(401);
        expect((await get(r, key, "192.0.2.11")).status).toBe(200);
      }
    // The in-memory fallback still throttles, per replica: 20 more on a, then a refuses, b does not.
    for (let i = 0; i < 15; i++) expect((await get(a, madeUp(), "192.0.2.10")).status).toBe(401);
    expect((await get(a, key, "192.0.2.10")).status).toBe(429);
    expect((await get(b, key, "192.0.2.10")).status).toBe(200);

    for (const lines of logs) {
      const warned = lines.filter((l) => l.includes("failed API key counter (redis) unreachable"));
      expect(warned).toHaveLength(1);
    }

    await redis.start();
    // Once the clients have reconnected, the replicas count together again.
    const until = Date.now() + 10_000;
    const back = () => logs.every((lines) => lines.some((l) => l.includes("reachable again")));
    while (Date.now() < until && !back()) {
      for (const r of [a, b]) await get(r, madeUp(), "192.0.2.12");
      if (!back()) await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(back()).toBe(true);
  }, 30_000);

  it("a replica whose Redis was never reachable answers at once, counting in memory", async () => {
    const lines: string[] = [];
    const lone = await startTempGateway({
      logger: capture(lines),
      config: {
        rateLimits: { store: "redis", url: "redis://127.0.0.1:1" },
        server: { authThrottle: { maxFailures: 2 } },
      },
    });
    try {
      const { key: own } = await lone.gateway.keys.create({ name: "lone" });
      const started = Date.now();
      expect((await get(lone, own, "192.0.2.20")).status).toBe(200);
      expect((await get(lone, madeUp(), "192.0.2.20")).status).toBe(401);
      expect((await get(lone, madeUp(), "192.0.2.20")).status).toBe(401);
      expect((await get(lone, own, "192.0.2.20")).status).toBe(429);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(lines.filter((l) => l.includes("failed API key counter (redis) unreachable"))).toHaveLength(1);
    } finally {
      await lone.stop();
    }
  });
});
