import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

/**
 * The access log line names the client: the socket's peer unless server.trustProxy trusts the
 * hop in front, so a client cannot write someone else's address into the log by sending
 * X-Forwarded-For itself.
 */
const gateways: TempGateway[] = [];
afterAll(async () => {
  for (const g of gateways) await g.stop();
});

async function gatewayLoggingTo(trustProxy?: number | string[]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const gw = await startTempGateway({
    logger: pino({ level: "info" }, sink),
    config: trustProxy === undefined ? {} : { server: { trustProxy } },
  });
  gateways.push(gw);
  /** The access log line of one GET /health sent with these headers. */
  async function logged(requestId: string, xff?: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${gw.url}/health`, {
      headers: { "x-request-id": requestId, ...(xff === undefined ? {} : { "x-forwarded-for": xff }) },
    });
    expect(res.status).toBe(200);
    await expect.poll(() => lines.some((l) => l.msg === "request" && l.requestId === requestId)).toBe(true);
    return lines.find((l) => l.msg === "request" && l.requestId === requestId) as Record<string, unknown>;
  }
  return logged;
}

describe("access log", () => {
  it("names the socket's peer as the client and ignores X-Forwarded-For by default", async () => {
    const logged = await gatewayLoggingTo();
    expect(await logged("plain")).toMatchObject({ client: "127.0.0.1", route: "/health", status: 200 });
    expect((await logged("spoofed", "203.0.113.9")).client).toBe("127.0.0.1");
  });

  it("names the address a trusted proxy reports, and only the hops it trusts", async () => {
    const byAddress = await gatewayLoggingTo(["loopback"]);
    expect((await byAddress("one", "203.0.113.9")).client).toBe("203.0.113.9");
    // The left entry is the client's own claim, reported by an untrusted hop: not believed.
    expect((await byAddress("two", "198.51.100.1, 203.0.113.9")).client).toBe("203.0.113.9");
    expect((await byAddress("none")).client).toBe("127.0.0.1");

    const twoHops = await gatewayLoggingTo(2);
    expect((await twoHops("hops", "198.51.100.1, 203.0.113.9")).client).toBe("198.51.100.1");

    const otherProxy = await gatewayLoggingTo(["10.0.0.0/8"]);
    expect((await otherProxy("other", "203.0.113.9")).client).toBe("127.0.0.1");
  });
});
