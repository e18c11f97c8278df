import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSeekdesk } from "../testing/run-cli.ts";
import { flagsToConfig } from "./flags.ts";
import { loadConfig } from "./load-config.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-trust-proxy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fromEnv = (value: string) =>
  loadConfig({ cwd: dir, env: { SEEKDESK_TRUST_PROXY: value } }).server.trustProxy;

describe("server.trustProxy from env, file and --trust-proxy", () => {
  it("reads SEEKDESK_TRUST_PROXY as off, a hop count or a comma-separated list", () => {
    expect(loadConfig({ cwd: dir, env: {} }).server.trustProxy).toBe(false);
    for (const off of ["", "false", "off", "0"]) expect(fromEnv(off)).toBe(false);
    expect(fromEnv("1")).toBe(1);
    expect(fromEnv("loopback, 10.0.0.0/8")).toEqual(["loopback", "10.0.0.0/8"]);
    expect(
      loadConfig({ cwd: dir, env: { SEEKDESK_SERVER_TRUST_PROXY: "fd00::/8" } }).server.trustProxy,
    ).toEqual(["fd00::/8"]);
  });

  it("names the field when a value is unusable", () => {
    expect(() => fromEnv("true")).toThrow(/config: server\.trustProxy: true would let any client choose/);
    expect(() => fromEnv("10.0.0.0/8, ingress")).toThrow(
      /config: server\.trustProxy: "ingress" is not an IP address, CIDR or one of loopback, linklocal, uniquelocal/,
    );
    expect(() => fromEnv("99")).toThrow(
      /config: server\.trustProxy: expected a hop count: an integer from 0 to 32/,
    );
    const f = join(dir, "bad.json");
    writeFileSync(f, JSON.stringify({ server: { trustProxy: ["192.168.0.0/99"] } }));
    expect(() => loadConfig({ file: f, env: {} })).toThrow(
      /config: server\.trustProxy: "192\.168\.0\.0\/99" has a bad prefix length \(expected 0-32\)/,
    );
  });

  it("takes --trust-proxy like the variable, over it, and refuses true naming the field", async () => {
    const fromFlag = (value: string, env: NodeJS.ProcessEnv = {}) =>
      loadConfig({ cwd: dir, env, flags: flagsToConfig({ trustProxy: value }) }).server.trustProxy;
    expect(fromFlag("off", { SEEKDESK_TRUST_PROXY: "1" })).toBe(false);
    expect(fromFlag("2")).toBe(2);
    expect(fromFlag("loopback,10.0.0.0/8", { SEEKDESK_TRUST_PROXY: "1" })).toEqual([
      "loopback",
      "10.0.0.0/8",
    ]);
    expect(() => fromFlag("true")).toThrow(/config: server\.trustProxy: true would let any client choose/);

    const refused = await runSeekdesk(
      ["serve", "--trust-proxy", "true", "--port", "0", "--grpc-port", "off"],
      {
        cwd: dir,
      },
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(
      'seekdesk: config: server.trustProxy: true would let any client choose its address; expected false, a hop count, or a list of proxy addresses/CIDRs (e.g. ["10.0.0.0/8"] or ["loopback"])',
    );
    const help = await runSeekdesk(["serve", "--help"]);
    expect(help.stdout).toMatch(/--trust-proxy <value>\s+proxies whose X-Forwarded-For names the client/);
  });
});

describe("server.authThrottle", () => {
  it("allows 20 invalid API keys per client and minute unless the file or env says otherwise", () => {
    expect(loadConfig({ cwd: dir, env: {} }).server.authThrottle).toEqual({
      maxFailures: 20,
      windowMs: 60_000,
      maxClients: 10_000,
    });
    const env = { SEEKDESK_AUTH_THROTTLE_MAX_FAILURES: "0", SEEKDESK_AUTH_THROTTLE_WINDOW_MS: "5000" };
    expect(loadConfig({ cwd: dir, env }).server.authThrottle).toMatchObject({
      maxFailures: 0,
      windowMs: 5000,
    });
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_AUTH_THROTTLE_MAX_FAILURES: "-1" } })).toThrow(
      "config: server.authThrottle.maxFailures: expected a non-negative integer",
    );
    expect(
      loadConfig({ cwd: dir, env: { SEEKDESK_AUTH_THROTTLE_MAX_CLIENTS: "50000" } }).server.authThrottle,
    ).toEqual({ maxFailures: 20, windowMs: 60_000, maxClients: 50_000 });
    expect(() => loadConfig({ cwd: dir, env: { SEEKDESK_AUTH_THROTTLE_MAX_CLIENTS: "0" } })).toThrow(
      "config: server.authThrottle.maxClients: expected a positive integer",
    );
  });
});
