import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HelmFail } from "./go-template.ts";
import { type Manifest, renderChart } from "./render-chart.ts";

const CHART = fileURLToPath(new URL("../seekdesk", import.meta.url));

const env = (d: Manifest | undefined) => {
  const spec = d?.spec as {
    template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
  };
  return Object.fromEntries(spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
};
const throttleEnv = (authThrottle?: Record<string, unknown>) => {
  const all = env(renderChart(CHART, authThrottle ? { config: { authThrottle } } : {}).one("Deployment"));
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("SEEKDESK_AUTH_THROTTLE_")));
};

describe("Helm chart: config.authThrottle", () => {
  it("passes the server's defaults as SEEKDESK_AUTH_THROTTLE_* variables", () => {
    expect(throttleEnv()).toEqual({
      SEEKDESK_AUTH_THROTTLE_MAX_FAILURES: "20",
      SEEKDESK_AUTH_THROTTLE_WINDOW_MS: "60000",
      SEEKDESK_AUTH_THROTTLE_MAX_CLIENTS: "10000",
    });
  });

  it("passes what is set, large numbers as integers (values' numbers are float64 to Helm)", () => {
    expect(throttleEnv({ maxFailures: 0, windowMs: 300000, maxClients: 1000000 })).toEqual({
      SEEKDESK_AUTH_THROTTLE_MAX_FAILURES: "0",
      SEEKDESK_AUTH_THROTTLE_WINDOW_MS: "300000",
      SEEKDESK_AUTH_THROTTLE_MAX_CLIENTS: "1000000",
    });
    // A map merges over the chart's: the fields not set keep their defaults.
    expect(throttleEnv({ maxFailures: 5 })).toMatchObject({
      SEEKDESK_AUTH_THROTTLE_MAX_FAILURES: "5",
      SEEKDESK_AUTH_THROTTLE_WINDOW_MS: "60000",
    });
  });

  it("refuses values the server would refuse or misread, naming the setting", () => {
    const render = (authThrottle: Record<string, unknown>) => () =>
      renderChart(CHART, { config: { authThrottle } });
    expect(render({ maxFailures: -1 })).toThrow(HelmFail);
    expect(render({ maxFailures: -1 })).toThrow(
      "config.authThrottle.maxFailures must be a whole number of invalid keys (0 turns the throttle off), not -1",
    );
    // Text would become 0 through `int`: the throttle off without anyone asking for it.
    expect(render({ maxFailures: "twenty" })).toThrow(/^config\.authThrottle\.maxFailures .*not twenty$/);
    expect(render({ windowMs: 0 })).toThrow(
      "config.authThrottle.windowMs must be a positive number of milliseconds, not 0",
    );
    expect(render({ windowMs: "1m" })).toThrow(/^config\.authThrottle\.windowMs .*not 1m$/);
    expect(render({ maxClients: 0 })).toThrow(
      "config.authThrottle.maxClients must be a positive number of addresses, not 0",
    );
  });
});
