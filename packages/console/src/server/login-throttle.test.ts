import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePlugin } from "./plugin.ts";

/**
 * The sign-in throttle counts failures per username and client address. The address is the
 * socket's peer unless server.trustProxy trusts the hop in front: a spoofed X-Forwarded-For must
 * neither reset the count nor lock out someone else's address.
 */
let dist: string;
const gateways: TempGateway[] = [];

async function start(trustProxy?: number | string[]): Promise<TempGateway> {
  const plugin = consolePlugin({ distDir: dist });
  const gw = await startTempGateway({
    plugins: [plugin],
    config: trustProxy === undefined ? {} : { server: { trustProxy } },
  });
  gateways.push(gw);
  await plugin.guards?.accounts.create({ username: "lead", password: "lead-password", role: "admin" });
  return gw;
}

beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), "seekdesk-console-dist-"));
  mkdirSync(join(dist, "app"), { recursive: true });
  writeFileSync(join(dist, "app", "index.html"), "<!doctype html><title>console</title>");
});
afterAll(async () => {
  for (const gw of gateways) await gw.stop();
  rmSync(dist, { recursive: true, force: true });
});

const signIn = (gw: TempGateway, password: string, xff?: string) =>
  fetch(`${gw.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(xff === undefined ? {} : { "x-forwarded-for": xff }) },
    body: JSON.stringify({ username: "lead", password }),
  });

describe("sign-in throttle", () => {
  it("by default ignores X-Forwarded-For: varying spoofed addresses still lock the caller out", async () => {
    const gw = await start();
    for (let i = 0; i < 10; i++) {
      expect((await signIn(gw, "wrong-password", `198.51.100.${i + 1}`)).status).toBe(401);
    }
    for (const xff of ["198.51.100.200", "203.0.113.77, 10.0.0.1", "garbage", undefined]) {
      const locked = await signIn(gw, "wrong-password", xff);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await locked.json()).error).toMatchObject({ type: "rate_limit_error" });
    }
    // The right password does not get through either while the address is locked.
    expect((await signIn(gw, "lead-password", "192.0.2.50")).status).toBe(429);
  });

  it("behind one trusted hop counts the address the proxy reports, so one client cannot lock out another", async () => {
    const gw = await start(1);
    for (let i = 0; i < 10; i++) {
      // The attacker prepends whatever it likes; the proxy appends its real address.
      expect((await signIn(gw, "wrong-password", `10.0.0.${i}, 203.0.113.66`)).status).toBe(401);
    }
    expect((await signIn(gw, "lead-password", "203.0.113.66")).status).toBe(429);
    // Another client behind the same proxy signs in; so does one claiming the attacker's address on the left.
    expect((await signIn(gw, "lead-password", "198.51.100.7")).status).toBe(200);
    expect((await signIn(gw, "lead-password", "203.0.113.66, 198.51.100.8")).status).toBe(200);
  });

  it("trusting loopback by address reads the header; malformed entries fall back to the proxy's address", async () => {
    const gw = await start(["loopback"]);
    for (let i = 0; i < 10; i++) {
      expect((await signIn(gw, "wrong-password", i % 2 === 0 ? "not-an-ip" : "999.0.0.1")).status).toBe(401);
    }
    // Both malformed values were counted as the proxy's own address (127.0.0.1), as is no header.
    expect((await signIn(gw, "lead-password")).status).toBe(429);
    expect((await signIn(gw, "lead-password", "203.0.113.5")).status).toBe(200);
  });
});
