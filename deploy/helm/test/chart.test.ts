import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ChartTemplates, HelmFail } from "./go-template.ts";
import { type Manifest, renderChart } from "./render-chart.ts";

const CHART = fileURLToPath(new URL("../seekdesk", import.meta.url));
const POSTGRES = { config: { storeUrlSecret: "seekdesk-pg" } };

interface PodSpec {
  volumes: { name: string; [k: string]: unknown }[];
  containers: { name: string; env: { name: string; value?: string }[] }[];
}
const podSpec = (d: Manifest | undefined) =>
  (d?.spec as { template: { spec: PodSpec } } | undefined)?.template.spec ?? { volumes: [], containers: [] };
const env = (d: Manifest | undefined) =>
  Object.fromEntries((podSpec(d).containers[0]?.env ?? []).map((e) => [e.name, e.value ?? "(secret)"]));

describe("Helm chart: one pod on SQLite (the default)", () => {
  it("runs one pod on a ReadWriteOnce volume, replaced by Recreate", () => {
    const r = renderChart(CHART);
    const deploy = r.one("Deployment");
    expect(deploy?.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
    expect(r.one("PersistentVolumeClaim")?.spec).toMatchObject({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "5Gi" } },
    });
    expect(podSpec(deploy).volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "demo-seekdesk-data" },
    });
    expect(r.one("PodDisruptionBudget")).toBeUndefined();
    expect(r.one("HorizontalPodAutoscaler")).toBeUndefined();
    expect(env(deploy).SEEKDESK_STORE_DRIVER).toBeUndefined();
  });

  it("refuses more than one replica, or an autoscaler, naming the setting and why", () => {
    expect(() => renderChart(CHART, { replicaCount: 3 })).toThrow(HelmFail);
    expect(() => renderChart(CHART, { replicaCount: 3 })).toThrow(
      /^replicaCount 3 needs config\.storeUrlSecret \(store\.driver postgres\): .*one SQLite file on a ReadWriteOnce volume/,
    );
    expect(() => renderChart(CHART, { autoscaling: { enabled: true } })).toThrow(
      /^autoscaling\.enabled needs config\.storeUrlSecret/,
    );
    expect(() => renderChart(CHART, { config: { knowledgeStore: "postgres" } })).toThrow(
      /^config\.knowledgeStore postgres needs config\.storeUrlSecret/,
    );
    expect(() => renderChart(CHART, { config: { knowledgeStore: "mysql" } })).toThrow(
      'config.knowledgeStore must be sqlite or postgres, not "mysql"',
    );
  });
});

describe("Helm chart: pods sharing Postgres (config.storeUrlSecret)", () => {
  it("scales out: rolling update, a volume per pod, no claim, a disruption budget", () => {
    const r = renderChart(CHART, { ...POSTGRES, replicaCount: 3 });
    const deploy = r.one("Deployment");
    expect(deploy?.spec).toMatchObject({
      replicas: 3,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    expect(r.one("PersistentVolumeClaim")).toBeUndefined();
    expect(podSpec(deploy).volumes).toEqual([{ name: "data", emptyDir: { sizeLimit: "5Gi" } }]);
    expect(env(deploy)).toMatchObject({
      SEEKDESK_STORE_DRIVER: "postgres",
      SEEKDESK_STORE_URL: "(secret)",
      SEEKDESK_STORE_KEY_CACHE_TTL_MS: "5000",
      SEEKDESK_STORE_POOL_SIZE: "10",
    });
    const pdb = r.one("PodDisruptionBudget");
    expect(pdb).toMatchObject({ apiVersion: "policy/v1", metadata: { name: "demo-seekdesk" } });
    expect(pdb?.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: (deploy?.spec as { selector?: { matchLabels: unknown } } | undefined)?.selector
          ?.matchLabels,
      },
    });
    expect(r.notes).toContain("each pod's /data is an\nemptyDir of its own");
    expect(r.notes).toContain("set\nconfig.knowledgeStore=postgres");
    // Console edits and feedback moved to Postgres: the notes no longer call them per pod.
    expect(r.notes).toContain("desk settings and intent examples edited in the\nconsole");
    expect(r.notes).not.toMatch(/SQLite file: desk settings/);
  });

  it("refuses a pool size that is not a whole number from 1 to 1000, naming the setting", () => {
    for (const bad of [0, 2.5, 1001, "ten"]) {
      expect(() =>
        renderChart(CHART, { config: { storeUrlSecret: "seekdesk-pg", storePoolSize: bad } }),
      ).toThrow(
        `config.storePoolSize must be a whole number of connections from 1 to 1000 (store.poolSize), not ${bad}`,
      );
    }
    expect(() =>
      renderChart(CHART, { config: { storeUrlSecret: "seekdesk-pg", storePoolSize: 1000 } }),
    ).not.toThrow();
    // Without Postgres there is no pool to size.
    expect(() => renderChart(CHART, { config: { storePoolSize: 0 } })).not.toThrow();
  });

  it("rolls one pod without a claim or a disruption budget", () => {
    const r = renderChart(CHART, POSTGRES);
    expect(r.one("Deployment")?.spec).toMatchObject({ replicas: 1, strategy: { type: "RollingUpdate" } });
    expect(r.one("PersistentVolumeClaim")).toBeUndefined();
    expect(r.one("PodDisruptionBudget")).toBeUndefined();
  });

  it("leaves the replica count to an autoscaler, and shares the knowledge base when asked", () => {
    const r = renderChart(CHART, {
      config: {
        storeUrlSecret: "seekdesk-pg",
        knowledgeStore: "postgres",
        keyCacheTtlMs: 2000,
        storePoolSize: 6,
      },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6 },
    });
    const deploy = r.one("Deployment");
    expect(deploy?.spec).not.toHaveProperty("replicas");
    expect(r.one("HorizontalPodAutoscaler")?.spec).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "demo-seekdesk" },
      minReplicas: 2,
      maxReplicas: 6,
    });
    expect(r.one("PodDisruptionBudget")).toBeDefined();
    expect(env(deploy)).toMatchObject({
      SEEKDESK_KNOWLEDGE_STORE: '{"driver":"postgres"}',
      SEEKDESK_STORE_KEY_CACHE_TTL_MS: "2000",
      SEEKDESK_STORE_POOL_SIZE: "6",
    });
    expect(r.notes).not.toContain("knowledgeStore=postgres");
    expect(r.notes).toContain(
      "and so is the knowledge base; each pod's /data is an\nemptyDir of its own, gone when the pod goes.",
    );
  });

  it("mounts the models claim read-only, refusing at install one that a single node holds", () => {
    const values = { ...POSTGRES, replicaCount: 2, models: { existingClaim: "ggufs" } };
    const claim = (accessModes: string[]) => () => ({ spec: { accessModes } });
    // `helm template` sees no cluster: nothing to check.
    const offline = renderChart(CHART, values);
    expect(podSpec(offline.one("Deployment")).volumes).toContainEqual({
      name: "models",
      persistentVolumeClaim: { claimName: "ggufs", readOnly: true },
    });
    expect(() => renderChart(CHART, values, { cluster: claim(["ReadOnlyMany"]) })).not.toThrow();
    expect(() => renderChart(CHART, values, { cluster: claim(["ReadWriteOnce"]) })).toThrow(
      "models.existingClaim ggufs is [ReadWriteOnce]: several pods on several nodes need ReadOnlyMany or ReadWriteMany",
    );
    // One pod may use any claim.
    expect(() =>
      renderChart(CHART, { ...values, replicaCount: 1 }, { cluster: claim(["ReadWriteOnce"]) }),
    ).not.toThrow();
  });
});

describe("the template renderer the chart tests use", () => {
  const render = (src: string, Values: Record<string, unknown> = {}) =>
    new ChartTemplates({ t: src }).render("t", {
      Values,
      Release: { Name: "r", Namespace: "default", Service: "Helm", IsInstall: true, IsUpgrade: false },
      Chart: {},
    });

  it("trims around {{- and -}} as Go does", () => {
    expect(render("a:\n  {{- if true }}\n  b: 1\n  {{- end }}\n")).toBe("a:\n  b: 1\n");
    expect(render("x {{- 1 -}} y")).toBe("x1y");
  });

  it("prints values' numbers as Go's float64 and refuses to compare them with integers", () => {
    expect(
      render("{{ .Values.n }} {{ .Values.big }} {{ .Values.big | int }}", { n: 30000, big: 1000000 }),
    ).toBe("30000 1e+06 1000000");
    expect(() => render("{{ gt .Values.n 1 }}", { n: 3 })).toThrow(/incompatible types for comparison/);
    expect(render("{{ gt (int .Values.n) 1 }}", { n: 3 })).toBe("true");
  });

  it("fails on a field of a missing map and on functions it does not know", () => {
    expect(render("[{{ .Values.absent }}]")).toBe("[]");
    expect(() => render("{{ .Values.absent.field }}")).toThrow(
      /nil pointer evaluating \.Values\.absent\.field/,
    );
    expect(() => render("{{ sha256sum .Values.x }}")).toThrow(/function "sha256sum" not defined/);
    // `and` stops at the first empty argument, as in Go 1.18 and later.
    expect(render("[{{ and .Values.absent .Values.absent.field }}]")).toBe("[]");
  });
});
