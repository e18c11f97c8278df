import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSeekdesk } from "@seekdesk/cli/testing/run-cli.ts";
import { spawnServe } from "@seekdesk/cli/testing/serve-child.ts";
import { type LoopbackUpstream, startLoopbackUpstream } from "@seekdesk/engine/testing/loopback-upstream.ts";
import { metricValue } from "@seekdesk/gateway/testing/metrics-text.ts";
import { DESK_CONVERSATION_CHANNEL } from "@seekdesk/store/desk-events/schema.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromGrafana, type Selector, selectors } from "./promql-selectors.ts";

/**
 * deploy/prometheus/alerts.yml and deploy/grafana/seekdesk.json against what `seekdesk serve`
 * really exports: a rule on a misspelt or renamed metric, or on a label value the app never
 * writes, matches nothing and never fires. The server is a real child process on loopback with
 * Postgres (dropped connections, then a short real outage), real upstreams and traffic that makes
 * each series the rules and panels select.
 */
const deploy = fileURLToPath(new URL("..", import.meta.url));

interface Query {
  where: string;
  expr: string;
}

function alertQueries(): Query[] {
  const doc = parse(readFileSync(join(deploy, "prometheus/alerts.yml"), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

function dashboardQueries(): Query[] {
  const doc = JSON.parse(readFileSync(join(deploy, "grafana/seekdesk.json"), "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; type: string; query?: string }[] };
  };
  const panels = doc.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: fromGrafana(t.expr) })),
  );
  // label_values(<selector>, <label>): the selector is the query.
  const variables = doc.templating.list
    .filter((v) => v.type === "query" && v.query)
    .map((v) => ({
      where: `variable $${v.name}`,
      expr: /^label_values\((.+),\s*\w+\)$/.exec(v.query as string)?.[1] ?? (v.query as string),
    }));
  return [...panels, ...variables];
}

interface Sample {
  name: string;
  labels: Record<string, string>;
}

/** Prometheus text format: the families declared (# TYPE) and the samples. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    const s = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+$/.exec(line);
    if (s)
      samples.push({
        name: s[1],
        labels: Object.fromEntries(
          [...(s[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
        ),
      });
  }
  return { types, samples };
}

/** Labels Prometheus adds to every target's series; the app never writes them. */
const TARGET_LABELS = new Set(["job", "instance"]);

/** What is wrong with one selector against one scrape, or null. */
function problem(sel: Selector, scrape: ReturnType<typeof parseExposition>): string | null {
  // Prometheus's own series per target.
  if (sel.metric === "up") return null;
  const series = scrape.samples.filter((s) => s.name === sel.metric);
  if (series.length === 0) {
    const family = [...scrape.types.keys()].find((f) => sel.metric.startsWith(f));
    return family
      ? `${sel.metric}: no series in this scrape (family ${family} is ${scrape.types.get(family)})`
      : `${sel.metric}: not exported`;
  }
  for (const m of sel.matchers) {
    if (TARGET_LABELS.has(m.label)) continue;
    const values = series.map((s) => s.labels[m.label]).filter((v): v is string => v !== undefined);
    if (values.length === 0) return `${sel.metric}: has no label ${m.label}`;
    const hit =
      m.op === "="
        ? values.includes(m.value)
        : m.op === "=~"
          ? values.some((v) => new RegExp(`^(?:${m.value})$`).test(v))
          : true;
    if (!hit)
      return `${sel.metric}{${m.label}${m.op}"${m.value}"}: matches none of ${[...new Set(values)].join(", ")}`;
  }
  return null;
}

describe("the selector reader the check relies on", () => {
  it("finds metric names and matchers, not functions, label lists, ranges or numbers", () => {
    expect(
      selectors(
        'histogram_quantile(0.95, sum by (le, model) (rate(a_bucket{x="1",y=~"5.."}[5m]))) / clamp_min(b, 1e-9) > 0.05 or c == 0',
      ),
    ).toEqual([
      {
        metric: "a_bucket",
        matchers: [
          { label: "x", op: "=", value: "1" },
          { label: "y", op: "=~", value: "5.." },
        ],
      },
      { metric: "b", matchers: [] },
      { metric: "c", matchers: [] },
    ]);
    expect(selectors(fromGrafana('sum(rate(d{instance=~"$instance"}[$__rate_interval]))'))).toEqual([
      { metric: "d", matchers: [{ label: "instance", op: "=~", value: "$instance" }] },
    ]);
  });
});

describe("alert rules and dashboard panels against seekdesk serve's /metrics", () => {
  const root = mkdtempSync(join(tmpdir(), "seekdesk-exported-metrics-"));
  let server: TestPostgres;
  let admin: pg.Client;
  let ok: LoopbackUpstream;
  let failing: LoopbackUpstream;
  let slow: LoopbackUpstream;
  let child: ChildProcess | undefined;
  let url: string;
  let key: string;

  beforeAll(async () => {
    server = await startTestPostgres();
    const storeUrl = await server.createDatabase("exported_metrics");
    admin = new pg.Client({ connectionString: storeUrl });
    await admin.connect();
    ok = await startLoopbackUpstream({ kind: "ok", text: ["Hello", ", ", "world"] });
    failing = await startLoopbackUpstream({ kind: "status", status: 500 });
    slow = await startLoopbackUpstream({ kind: "ok" });
    const store = { driver: "postgres", url: storeUrl, poolSize: 3 };
    const config = join(root, "seekdesk.json");
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(root, "data"),
        store,
        // One invalid key per window, so the second is throttled.
        server: { authThrottle: { maxFailures: 1, windowMs: 60_000 } },
        models: [
          { id: "chat", backend: "openai", baseURL: ok.url, model: "m" },
          // Nearly always tried first, fails, and the request moves on: a backend error, a failover.
          { id: "flaky", backend: "openai", baseURL: failing.url, model: "m", weight: 1000 },
          { id: "flaky", backend: "openai", baseURL: ok.url, model: "m", weight: 0.001 },
          // Nowhere to fail over to: a 5xx.
          { id: "broken", backend: "openai", baseURL: failing.url, model: "m" },
          // One request at a time and no queue: a second one is refused queue_full.
          { id: "narrow", backend: "openai", baseURL: slow.url, model: "m", maxConcurrent: 1, queueSize: 0 },
        ],
      }),
    );
    const made = await runSeekdesk(["keys", "create", "--name", "metrics", "--json", "--config", config]);
    expect(made.stderr).toBe("");
    key = (JSON.parse(made.stdout) as { key: string }).key;
    const served = spawnServe(["--config", config], root);
    child = served.child;
    url = await served.url;
  }, 120_000);

  afterAll(async () => {
    child?.kill("SIGKILL");
    await admin?.end();
    for (const u of [ok, failing, slow]) await u?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const chat = (model: string, headers: Record<string, string>, signal?: AbortSignal) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream: true }),
      signal,
    });

  it("exports every metric, and every label value, that a rule or a panel selects", async () => {
    const bearer = { authorization: `Bearer ${key}` };
    const answered = await chat("chat", bearer);
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain("world");
    expect((await chat("flaky", bearer).then(async (r) => [r.status, await r.text()]))[0]).toBe(200);
    expect((await chat("broken", bearer)).status).toBeGreaterThanOrEqual(500);

    slow.setBehaviour({ kind: "stall" });
    const held = new AbortController();
    const first = chat("narrow", bearer, held.signal);
    await expect.poll(() => slow.hits.filter((h) => h.path.endsWith("/chat/completions")).length).toBe(1);
    expect((await chat("narrow", bearer)).status).toBe(429);
    held.abort();
    await first.catch(() => undefined);

    // Connections dropped (a Postgres restart, a failover): the pool reconnects on demand, the
    // LISTEN connection by itself, and the replica then resyncs its desk events.
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'seekdesk'",
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    const scraped = async () => (await fetch(`${url}/metrics`)).text();
    await expect
      .poll(
        async () =>
          metricValue(await scraped(), "seekdesk_desk_event_resyncs_total", { reason: "reconnect" }),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
    // Listening again: a notification another replica could not have sent is counted, not crashed on.
    await admin.query("SELECT pg_notify($1, 'not json')", [DESK_CONVERSATION_CHANNEL]);
    // Counted before Postgres stops below, which would lose it.
    await expect
      .poll(async () => metricValue(await scraped(), "seekdesk_desk_event_errors_total"), { timeout: 15_000 })
      .toBeGreaterThan(0);

    // Postgres stopped: a request that needs the store is refused 503 and counted by reason
    // (SeekdeskStoreUnavailable), then served again once it is back.
    await admin.end();
    await server.halt();
    let refused: Response;
    const outageStarted = performance.now();
    try {
      refused = await fetch(`${url}/api/conversations`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer },
        body: JSON.stringify({ userId: "u-outage" }),
      });
    } finally {
      await server.restart();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((await refused.json()).error.code).toMatch(/^(key_)?store_unavailable$/);
    const unavailable = parseExposition(await scraped()).samples.filter(
      (s) => s.name === "seekdesk_store_unavailable_total",
    );
    expect(unavailable.map((s) => s.labels.reason)).toContainEqual(
      expect.stringMatching(/^(unreachable|shutdown|connection_lost)$/),
    );
    await expect
      .poll(async () => (await fetch(`${url}/v1/models`, { headers: bearer })).status, { timeout: 15_000 })
      .toBe(200);
    console.log(
      `Postgres outage: 503 (reason ${unavailable.map((s) => s.labels.reason).join(", ")}), served again after ${Math.round(performance.now() - outageStarted)} ms`,
    );

    // Last, as they throttle this address: no key, then two invalid ones.
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    const wrong = { authorization: `Bearer ${key}x` };
    expect((await fetch(`${url}/v1/models`, { headers: wrong })).status).toBe(401);
    expect((await fetch(`${url}/v1/models`, { headers: wrong })).status).toBe(429);

    const queries = [...alertQueries(), ...dashboardQueries()];
    expect(queries.length).toBeGreaterThan(20);
    const used = queries.flatMap((q) => selectors(q.expr).map((sel) => ({ ...q, sel })));
    // The rules this check was written for are among them.
    for (const name of [
      "seekdesk_auth_failures_total",
      "seekdesk_postgres_pool_waiting",
      "seekdesk_postgres_pool_size",
      "seekdesk_postgres_connections",
      "seekdesk_store_unavailable_total",
    ])
      expect(used.map((u) => u.sel.metric)).toContain(name);

    let problems: string[] = [];
    await expect
      .poll(
        async () => {
          const scrape = parseExposition(await scraped());
          problems = used.flatMap((u) => {
            const p = problem(u.sel, scrape);
            return p ? [`${u.where}: ${p}`] : [];
          });
          return problems;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([]);
  }, 120_000);
});
