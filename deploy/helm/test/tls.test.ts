import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Manifest, renderChart } from "./render-chart.ts";

const CHART = fileURLToPath(new URL("../seekdesk", import.meta.url));

interface Container {
  env: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe: { httpGet: { scheme: string } };
  readinessProbe: { httpGet: { scheme: string } };
  startupProbe: { httpGet: { scheme: string } };
}
type PodSpec = { containers: Container[]; volumes: { name: string; secret?: unknown }[] };
const pod = (d: Manifest | undefined): PodSpec => {
  if (!d) throw new Error("no Deployment rendered");
  return (d.spec as { template: { spec: PodSpec } }).template.spec;
};

describe("Helm chart: config.tlsSecret", () => {
  it("serves plain HTTP by default: no TLS variables, no mount, HTTP probes", () => {
    const spec = pod(renderChart(CHART).one("Deployment"));
    const c = spec.containers[0];
    expect(c.env.map((e) => e.name)).not.toContain("SEEKDESK_TLS_CERT");
    expect(c.volumeMounts.map((m) => m.name)).not.toContain("tls");
    expect(spec.volumes.map((v) => v.name)).not.toContain("tls");
    expect([c.livenessProbe, c.readinessProbe, c.startupProbe].map((p) => p.httpGet.scheme)).toEqual([
      "HTTP",
      "HTTP",
      "HTTP",
    ]);
  });

  it("mounts the Secret read-only, points server.tls at its files and probes over HTTPS", () => {
    const spec = pod(renderChart(CHART, { config: { tlsSecret: "seekdesk-tls" } }).one("Deployment"));
    const c = spec.containers[0];
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(env.SEEKDESK_TLS_CERT).toBe("/etc/seekdesk/tls/tls.crt");
    expect(env.SEEKDESK_TLS_KEY).toBe("/etc/seekdesk/tls/tls.key");
    expect(c.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/seekdesk/tls", readOnly: true });
    expect(spec.volumes).toContainEqual({ name: "tls", secret: { secretName: "seekdesk-tls" } });
    expect([c.livenessProbe, c.readinessProbe, c.startupProbe].map((p) => p.httpGet.scheme)).toEqual([
      "HTTPS",
      "HTTPS",
      "HTTPS",
    ]);
  });
});
