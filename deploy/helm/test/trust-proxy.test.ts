import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Manifest, renderChart } from "./render-chart.ts";

const CHART = fileURLToPath(new URL("../seekdesk", import.meta.url));

const env = (d: Manifest | undefined) => {
  const spec = d?.spec as {
    template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
  };
  return Object.fromEntries(spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
};
const trustProxy = (value: unknown) =>
  env(renderChart(CHART, { config: { trustProxy: value } }).one("Deployment")).SEEKDESK_TRUST_PROXY;

describe("Helm chart: config.trustProxy", () => {
  it("trusts no proxy by default (no variable: the server's default)", () => {
    expect(env(renderChart(CHART).one("Deployment")).SEEKDESK_TRUST_PROXY).toBeUndefined();
    expect(trustProxy(false)).toBeUndefined();
  });

  it("passes a hop count, a list or a string of addresses/CIDRs as one comma-separated variable", () => {
    expect(trustProxy(1)).toBe("1");
    expect(trustProxy(["10.244.0.0/16", "fd00::/8"])).toBe("10.244.0.0/16,fd00::/8");
    expect(trustProxy("loopback")).toBe("loopback");
  });
});
