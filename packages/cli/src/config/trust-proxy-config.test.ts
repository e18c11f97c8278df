import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-trust-proxy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fromEnv = (value: string) =>
  loadConfig({ cwd: dir, env: { SEEKDESK_TRUST_PROXY: value } }).server.trustProxy;

describe("server.trustProxy from env and file", () => {
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
});
