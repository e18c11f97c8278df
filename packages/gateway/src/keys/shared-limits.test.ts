import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestRedis, type TestRedis } from "@seekdesk/store/testing/redis.ts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempGateway, type TempGateway } from "../testing/temp-gateway.ts";

/**
 * Two gateway replicas behind one (imaginary) load balancer: one SQLite file of keys, one Redis
 * for the budgets. The official OpenAI client alternates between them.
 */
let redis: TestRedis;
let shared: string;
const replicas: TempGateway[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  shared = mkdtempSync(join(tmpdir(), "seekdesk-shared-"));
  for (let i = 0; i < 2; i++) {
    replicas.push(
      await startTempGateway({
        config: {
          store: { path: join(shared, "seekdesk.sqlite") },
          rateLimits: { store: "redis", url: redis.url },
        },
      }),
    );
  }
}, 30_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await redis?.stop();
  rmSync(shared, { recursive: true, force: true });
});

describe("rateLimits.store redis: replicas share each key's budget", () => {
  it("the third request of a 2-per-minute key is refused whichever replica it reaches", async () => {
    const [a, b] = replicas;
    const { key } = await a.gateway.keys.create({ name: "shared", rpm: 2 });
    const client = (r: TempGateway) => new OpenAI({ baseURL: `${r.url}/v1`, apiKey: key, maxRetries: 0 });

    const first = await client(a).models.list().withResponse();
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    const second = await client(b).models.list().withResponse();
    expect(second.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");

    for (const r of [a, b]) {
      const err = await client(r)
        .models.list()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const e = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.code).toBe("requests_per_minute_exceeded");
      expect(Number(e.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("with Redis gone the replicas keep serving (onStoreError allow) and count again once it is back", async () => {
    const [a, b] = replicas;
    const { key } = await a.gateway.keys.create({ name: "outage", rpm: 3 });
    const get = (r: TempGateway) =>
      fetch(`${r.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get(a)).status).toBe(200);
    await redis.kill();
    for (let i = 0; i < 5; i++) expect((await get(i % 2 ? a : b)).status).toBe(200);
    await redis.start();
    const until = Date.now() + 10_000;
    let remaining: string | null = null;
    while (Date.now() < until && remaining === null) {
      remaining = (await get(b)).headers.get("x-ratelimit-remaining-requests");
      if (remaining === null) await new Promise((r) => setTimeout(r, 100));
    }
    // The restarted Redis kept nothing: the first counted request leaves 2.
    expect(remaining).toBe("2");
  });
});
