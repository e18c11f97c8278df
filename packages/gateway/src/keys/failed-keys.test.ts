import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import OpenAI from "openai";
import { afterAll, describe, expect, it, vi } from "vitest";
import { PROTO_OPTIONS, PROTO_PATH } from "../grpc/server.ts";
import { metricValue } from "../testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "../testing/temp-gateway.ts";
import { MemoryFailureCounter } from "../throttle/memory-failure-counter.ts";
import { clientBucket } from "./failed-keys.ts";

/**
 * Invalid API keys are counted per client address (the address server.trustProxy resolves); past
 * server.authThrottle.maxFailures within the window the client gets 429 before its key is looked
 * up, whatever key it sends, while other clients go on working.
 */
const gateways: TempGateway[] = [];
afterAll(async () => {
  for (const g of gateways) await g.stop();
});

async function start(server: Record<string, unknown> = {}): Promise<{ gw: TempGateway; key: string }> {
  const gw = await startTempGateway({ config: { server } });
  gateways.push(gw);
  const { key } = await gw.gateway.keys.create({ name: "real" });
  return { gw, key };
}

const madeUp = () => `sk-sd-${randomBytes(32).toString("base64url")}`;

/** The official client as one caller: its key, and the X-Forwarded-For a proxy (or a spoofer) adds. */
function client(gw: TempGateway, apiKey: string, xff?: string): OpenAI {
  return new OpenAI({
    baseURL: `${gw.url}/v1`,
    apiKey,
    maxRetries: 0,
    defaultHeaders: xff === undefined ? {} : { "x-forwarded-for": xff },
  });
}

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

const metrics = async (gw: TempGateway) => (await fetch(`${gw.url}/metrics`)).text();

describe("failed API key throttle", () => {
  it("answers the 21st request of a client that sent 20 invalid keys with 429 and Retry-After, without looking its key up", async () => {
    const { gw, key } = await start({ trustProxy: ["loopback"] });
    for (let i = 0; i < 20; i++)
      expect(await statusOf(client(gw, madeUp(), "203.0.113.7").models.list())).toBe(401);

    const lookups = vi.spyOn(gw.gateway.keys, "verify");
    const refused = await client(gw, madeUp(), "203.0.113.7")
      .models.list()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const e = refused as InstanceType<typeof OpenAI.RateLimitError>;
    const retryAfter = Number(e.headers?.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(e.error).toMatchObject({ type: "rate_limit_error", code: "too_many_failed_auth" });
    // A right key from the throttled address is refused too: a guesser learns nothing from a hit.
    expect(await statusOf(client(gw, key, "203.0.113.7").models.list())).toBe(429);
    expect(lookups).not.toHaveBeenCalled();
    lookups.mockRestore();

    // Another client behind the same trusted proxy is unaffected, with its key or a wrong one.
    expect(await statusOf(client(gw, key, "198.51.100.8").models.list())).toBe(200);
    expect(await statusOf(client(gw, madeUp(), "198.51.100.8").models.list())).toBe(401);
    // Claiming the good client's address on the left does not help: the proxy appended the real one.
    expect(await statusOf(client(gw, key, "198.51.100.8, 203.0.113.7").models.list())).toBe(429);

    const text = await metrics(gw);
    expect(metricValue(text, "seekdesk_auth_failures_total", { outcome: "invalid_key" })).toBe(21);
    expect(metricValue(text, "seekdesk_auth_failures_total", { outcome: "throttled" })).toBe(3);
    expect(metricValue(text, "seekdesk_rate_limited_total", { reason: "too_many_failed_auth" })).toBe(3);
  });

  it("ignores a spoofed X-Forwarded-For without trustProxy: new addresses per request do not reset the count", async () => {
    const { gw, key } = await start();
    for (let i = 0; i < 20; i++)
      expect(await statusOf(client(gw, madeUp(), `198.51.100.${i + 1}`).models.list())).toBe(401);
    for (const xff of ["192.0.2.200", "203.0.113.77, 10.0.0.1", "garbage", undefined])
      expect(await statusOf(client(gw, madeUp(), xff).models.list())).toBe(429);
    expect(await statusOf(client(gw, key, "192.0.2.1").models.list())).toBe(429);
    // gRPC comes from the same socket address and shares the count.
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, PROTO_OPTIONS)) as unknown as {
      seekdesk: { v1: { Inference: grpc.ServiceClientConstructor } };
    };
    const rpc = new pkg.seekdesk.v1.Inference(
      `127.0.0.1:${gw.listening.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${key}`);
      const err = await new Promise<grpc.ServiceError>((ok) =>
        (
          rpc as unknown as {
            Chat(r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null) => void): void;
          }
        ).Chat({ model: "none", messages: [{ role: "user", content: "hi" }] }, md, (e) =>
          ok(e as grpc.ServiceError),
        ),
      );
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err.metadata.get("error-code")).toEqual(["too_many_failed_auth"]);
    } finally {
      rpc.close();
    }
  });

  it("lets the client in again once its window has passed", async () => {
    const { gw, key } = await start({ authThrottle: { maxFailures: 3, windowMs: 1000 } });
    for (let i = 0; i < 3; i++) expect(await statusOf(client(gw, madeUp()).models.list())).toBe(401);
    const refused = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    await new Promise((ok) => setTimeout(ok, 1100));
    expect(await statusOf(client(gw, key).models.list())).toBe(200);
  });

  it("counts an IPv6 client by its /64, and never throttles with maxFailures 0", async () => {
    const { gw, key } = await start({ trustProxy: ["loopback"], authThrottle: { maxFailures: 2 } });
    expect(await statusOf(client(gw, madeUp(), "2001:db8:1:2::1").models.list())).toBe(401);
    expect(await statusOf(client(gw, madeUp(), "2001:db8:1:2:ffff::9").models.list())).toBe(401);
    expect(await statusOf(client(gw, key, "2001:db8:1:2::abcd").models.list())).toBe(429);
    expect(await statusOf(client(gw, key, "2001:db8:1:3::1").models.list())).toBe(200);

    const off = await start({ authThrottle: { maxFailures: 0 } });
    for (let i = 0; i < 25; i++) expect(await statusOf(client(off.gw, madeUp()).models.list())).toBe(401);
    expect(await statusOf(client(off.gw, off.key).models.list())).toBe(200);
  });
});

describe("MemoryFailureCounter", () => {
  it("holds at most maxKeys clients, forgetting the one that failed least recently", () => {
    const c = new MemoryFailureCounter(3);
    for (const k of ["a", "b", "c"]) c.addFailure(k, 0, 60_000);
    c.addFailure("a", 1, 60_000);
    c.addFailure("d", 2, 60_000);
    expect(c.size).toBe(3);
    expect(c.failures("b", 3)).toBeNull();
    expect(c.failures("a", 3)).toEqual({ count: 2, until: 60_000 });
  });

  it("counts in a window that opens at the first failure and does not grow with later ones", () => {
    const c = new MemoryFailureCounter(10);
    c.addFailure("a", 0, 1000);
    expect(c.addFailure("a", 900, 1000)).toEqual({ count: 2, until: 1000 });
    expect(c.failures("a", 1000)).toBeNull();
    expect(c.addFailure("a", 1000, 1000)).toEqual({ count: 1, until: 2000 });
  });
});

describe("clientBucket", () => {
  it("keeps IPv4 addresses and cuts IPv6 ones to their /64", () => {
    expect(clientBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(clientBucket("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:0db8:0001:0002:ffff:0:0:9")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientBucket("::1")).toBe("0:0:0:0::/64");
    expect(clientBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});
