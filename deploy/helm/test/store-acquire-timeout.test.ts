import { fileURLToPath } from "node:url";
import { envToConfig } from "@seekdesk/cli/config/env.ts";
import { parseConfig } from "@seekdesk/core";
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
const render = (config: Record<string, unknown>) => renderChart(CHART, { config });
const acquireEnv = (config: Record<string, unknown>) =>
  env(render({ storeUrlSecret: "seekdesk-pg", ...config }).one("Deployment"))
    .SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS;

/** What the server makes of the pod's variables (the Secret's URL stands in for the secretKeyRef). */
const serverAcquireTimeout = (vars: Record<string, string | undefined>) =>
  parseConfig(envToConfig({ ...vars, SEEKDESK_STORE_URL: "postgres://u@db:5432/desk" })).store
    .acquireTimeoutMs;

describe("Helm chart: config.storeAcquireTimeoutMs", () => {
  it("passes the server's default as SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS, with Postgres only", () => {
    const withPostgres = env(render({ storeUrlSecret: "seekdesk-pg" }).one("Deployment"));
    expect(withPostgres.SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS).toBe("5000");
    expect(serverAcquireTimeout(withPostgres)).toBe(5000);
    expect(serverAcquireTimeout({ SEEKDESK_STORE_DRIVER: "postgres" })).toBe(5000);
    // SQLite has no pool to wait for.
    expect(env(render({}).one("Deployment")).SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS).toBeUndefined();
  });

  it("passes what is set, as the server reads it (a string from --set-string too)", () => {
    const vars = env(render({ storeUrlSecret: "seekdesk-pg", storeAcquireTimeoutMs: 250 }).one("Deployment"));
    expect(vars.SEEKDESK_STORE_ACQUIRE_TIMEOUT_MS).toBe("250");
    expect(serverAcquireTimeout(vars)).toBe(250);
    expect(acquireEnv({ storeAcquireTimeoutMs: 600000 })).toBe("600000");
    expect(acquireEnv({ storeAcquireTimeoutMs: "1500" })).toBe("1500");
    expect(acquireEnv({ storeAcquireTimeoutMs: 1 })).toBe("1");
  });

  it("refuses what the server would refuse, or the chart would misread, naming the setting", () => {
    const fails = (storeAcquireTimeoutMs: unknown) => () =>
      render({ storeUrlSecret: "seekdesk-pg", storeAcquireTimeoutMs });
    const message = (shown: string) =>
      `config.storeAcquireTimeoutMs must be a whole number of milliseconds from 1 to 600000 (store.acquireTimeoutMs), not ${shown}`;
    expect(fails(0)).toThrow(HelmFail);
    expect(fails(0)).toThrow(message("0"));
    expect(fails(-100)).toThrow(message("-100"));
    // `int` alone would pass these on as 0 (refused by the pod at start, a crash loop) or as 2.
    expect(fails("5s")).toThrow(message("5s"));
    expect(fails(2.5)).toThrow(message("2.5"));
    // 10 minutes is the server's ceiling; Helm prints 1000000 as 1e+06.
    expect(fails(600001)).toThrow(message("600001"));
    expect(fails(1000000)).toThrow(message("1e+06"));
    expect(() => parseConfig({ store: { acquireTimeoutMs: 600001 } })).toThrow();
    // Without Postgres the setting is unused, as config.storePoolSize is.
    expect(() => render({ storeAcquireTimeoutMs: 0 })).not.toThrow();
  });
});
