import { request } from "node:http";
import { ConfigError, parseConfig, type SeekdeskConfigInput } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcPeerAddress } from "./client-ip.ts";
import type { GatewayPlugin } from "./plugin.ts";
import { startTempGateway, type TempGateway } from "./testing/temp-gateway.ts";

/** A route that answers with what every plugin sees as the client's address. */
const whoami: GatewayPlugin = {
  name: "whoami",
  register(app, ctx) {
    app.get("/whoami", (c) => c.json({ ip: ctx.clientIp(c) }));
  },
};

const servers: Record<string, TempGateway> = {};
async function server(name: string, trustProxy?: unknown) {
  servers[name] = await startTempGateway({
    plugins: [whoami],
    config: trustProxy === undefined ? {} : ({ server: { trustProxy } } as SeekdeskConfigInput),
  });
}

beforeAll(async () => {
  await server("default");
  await server("oneHop", 1);
  await server("twoHops", 2);
  await server("loopback", ["loopback"]);
  await server("otherProxy", ["10.0.0.0/8"]);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.stop();
});

/** GET /whoami over a real socket; several values send several X-Forwarded-For lines. */
function ipOf(name: string, xff?: string | string[]): Promise<string | null> {
  const url = new URL("/whoami", servers[name].url);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: xff === undefined ? {} : { "x-forwarded-for": xff } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => {
        try {
          expect(res.statusCode).toBe(200);
          resolve((JSON.parse(body) as { ip: string | null }).ip);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("client address", () => {
  it("by default is the socket's peer, whatever X-Forwarded-For says", async () => {
    expect(await ipOf("default")).toBe("127.0.0.1");
    expect(await ipOf("default", "203.0.113.9")).toBe("127.0.0.1");
    expect(await ipOf("default", "203.0.113.9, 198.51.100.1")).toBe("127.0.0.1");
    expect(await ipOf("default", ["203.0.113.9", "198.51.100.1"])).toBe("127.0.0.1");
  });

  it("behind one trusted hop is the address that hop appended (the rightmost entry)", async () => {
    expect(await ipOf("oneHop", "203.0.113.9")).toBe("203.0.113.9");
    // The client wrote the left entry itself; the proxy appended the right one.
    expect(await ipOf("oneHop", "1.1.1.1, 203.0.113.9")).toBe("203.0.113.9");
    expect(await ipOf("oneHop", ["1.1.1.1", "203.0.113.9"])).toBe("203.0.113.9");
    expect(await ipOf("oneHop")).toBe("127.0.0.1");
    expect(await ipOf("twoHops", "1.1.1.1, 203.0.113.9, 10.0.0.2")).toBe("203.0.113.9");
  });

  it("with trusted addresses walks back through trusted proxies only", async () => {
    expect(await ipOf("loopback", "203.0.113.9")).toBe("203.0.113.9");
    expect(await ipOf("loopback", "1.1.1.1, 203.0.113.9, 127.0.0.5")).toBe("203.0.113.9");
    expect(await ipOf("loopback", "2001:db8::7, ::1")).toBe("2001:db8::7");
    // Our socket peer (127.0.0.1) is not in 10.0.0.0/8: the header is not read at all.
    expect(await ipOf("otherProxy", "203.0.113.9")).toBe("127.0.0.1");
  });

  it("copes with malformed and odd X-Forwarded-For values", async () => {
    // Garbage from the client is passed by the proxy as the left entry and never reached.
    expect(await ipOf("oneHop", "<script>, 203.0.113.9")).toBe("203.0.113.9");
    // Garbage where the client's address should be: the nearest real hop (the proxy) instead.
    expect(await ipOf("oneHop", "not-an-address")).toBe("127.0.0.1");
    expect(await ipOf("oneHop", "999.1.1.1")).toBe("127.0.0.1");
    expect(await ipOf("loopback", "unknown, 127.0.0.9")).toBe("127.0.0.9");
    expect(await ipOf("oneHop", "")).toBe("127.0.0.1");
    expect(await ipOf("oneHop", " , ,, ")).toBe("127.0.0.1");
    // Ports some proxies add, IPv4-mapped IPv6 and case: one key per address.
    expect(await ipOf("oneHop", "203.0.113.9:51234")).toBe("203.0.113.9");
    expect(await ipOf("oneHop", "[2001:DB8::1]:443")).toBe("2001:db8::1");
    expect(await ipOf("oneHop", "::ffff:203.0.113.9")).toBe("203.0.113.9");
    // A long header is bounded by Node's header limit and read in one pass.
    expect(await ipOf("loopback", `${"10.9.8.7, ".repeat(1000)}203.0.113.9`)).toBe("203.0.113.9");
  });

  it("is null for an in-process request (no socket)", async () => {
    const res = await servers.default.gateway.app.request("/whoami", {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(await res.json()).toEqual({ ip: null });
  });
});

describe("server.trustProxy", () => {
  const parse = (trustProxy: unknown) => parseConfig({ server: { trustProxy } }).server.trustProxy;

  it("accepts false, a hop count, addresses, CIDRs and the named ranges", () => {
    expect(parseConfig({}).server.trustProxy).toBe(false);
    expect(parse(false)).toBe(false);
    expect(parse(0)).toBe(false);
    expect(parse(2)).toBe(2);
    expect(parse(["loopback", "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"])).toEqual([
      "loopback",
      "10.0.0.0/8",
      "2001:db8::/32",
      "192.0.2.1",
    ]);
    expect(parse("10.0.0.0/8, uniquelocal")).toEqual(["10.0.0.0/8", "uniquelocal"]);
  });

  it("refuses other values with a message naming the field", () => {
    const problem = (value: unknown) => {
      try {
        parse(value);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(value)}`);
    };
    expect(problem(true)).toMatch(/server\.trustProxy: true would let any client choose its address/);
    expect(problem(-1)).toMatch(/server\.trustProxy: expected a hop count/);
    expect(problem(1.5)).toMatch(/server\.trustProxy: expected a hop count/);
    expect(problem(["10.0.0.0/33"])).toMatch(/server\.trustProxy: "10\.0\.0\.0\/33" has a bad prefix length/);
    expect(problem(["proxy.internal"])).toMatch(/server\.trustProxy: "proxy\.internal" is not an IP address/);
    expect(problem({ hops: 1 })).toMatch(/server\.trustProxy: expected false, a hop count, or a list/);
  });
});

describe("grpcPeerAddress", () => {
  it("reads grpc-js's address:port (IPv6 unbracketed) and the ipv4:/ipv6: forms", () => {
    expect(grpcPeerAddress("127.0.0.1:50123")).toBe("127.0.0.1");
    expect(grpcPeerAddress("::1:50123")).toBe("::1");
    expect(grpcPeerAddress("::ffff:10.0.0.5:50123")).toBe("10.0.0.5");
    expect(grpcPeerAddress("ipv4:192.0.2.1:443")).toBe("192.0.2.1");
    expect(grpcPeerAddress("ipv6:[2001:db8::7]:443")).toBe("2001:db8::7");
    expect(grpcPeerAddress("unknown")).toBeNull();
  });
});
