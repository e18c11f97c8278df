import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { metricValue } from "@seekdesk/gateway/testing/metrics-text.ts";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { startTestPgvector, type TestPgvector } from "@seekdesk/store/testing/pgvector.ts";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knowledgePlugin } from "./plugin.ts";

/**
 * `seekdesk serve` with its store on one Postgres and the knowledge base on a Postgres of its own
 * (knowledge.store.url): the knowledge base's own pool answers an outage or a full pool as the
 * main store does, 503 store_unavailable with Retry-After, counted in the same metric.
 */
const ACQUIRE_MS = 300;
let main: TestPostgres;
let kbServer: TestPgvector;
let gw: TempGateway;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  [main, kbServer] = await Promise.all([startTestPostgres(), startTestPgvector()]);
  gw = await startTempGateway({
    plugins: [knowledgePlugin()],
    config: {
      store: { driver: "postgres", url: main.url },
      knowledge: {
        store: { driver: "postgres", url: kbServer.url, poolSize: 1, acquireTimeoutMs: ACQUIRE_MS },
      },
    },
    logger: pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
  });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  await kbServer?.stop();
  await main?.stop();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of several shapes
  json: any;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(gw.url + path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), json: await res.json() };
}

const search = () => call("GET", "/api/kb/search?q=parcel%20lockers&k=1&mode=bm25");
const add = () =>
  call("POST", "/api/kb/documents", { title: "Lockers", text: "Parcel lockers hold orders for 3 days." });

function expectStoreUnavailable(a: Answer, retryAfter: string): void {
  expect(a.status).toBe(503);
  expect(a.retryAfter).toBe(retryAfter);
  expect(a.json.error).toMatchObject({ type: "unavailable_error", code: "store_unavailable" });
  // The client learns to retry, not the driver's words or the knowledge base's address.
  expect(a.json.error.message).toMatch(/temporarily unavailable/);
  expect(a.json.error.message).not.toMatch(/ECONN|timeout exceeded|terminat|127\.0\.0\.1/);
}

const unavailableCount = async (reason: string) =>
  metricValue(await (await fetch(`${gw.url}/metrics`)).text(), "seekdesk_store_unavailable_total", {
    reason,
  });

describe("the knowledge API on a Postgres of its own that cannot answer", () => {
  it("answers 503 with Retry-After while that Postgres is stopped, stays up, and serves the same requests once it is back", async () => {
    expect((await add()).json.results[0].status).toBe("added");
    expect((await search()).json.data[0].text).toMatch(/3 days/);
    const before = (await unavailableCount("unreachable")) + (await unavailableCount("connection_lost"));

    await kbServer.halt();
    let answers: Answer[];
    try {
      answers = [
        await search(),
        await call("POST", "/api/kb/search", { query: "parcel lockers", k: 1 }),
        await call("POST", "/api/kb/documents", { title: "Pickup", text: "Pickup points open at 8." }),
        await call("GET", "/api/kb/documents"),
        await call("GET", "/api/kb/stats"),
      ];
      // The process is up, and what does not need the knowledge base's Postgres still answers.
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    } finally {
      await kbServer.restart();
    }
    for (const a of answers) expectStoreUnavailable(a, "5");
    const after = (await unavailableCount("unreachable")) + (await unavailableCount("connection_lost"));
    expect(after - before).toBeGreaterThanOrEqual(answers.length);
    const refused = logs.filter((l) => l.msg === "request refused: the store is unavailable");
    expect(refused.length).toBeGreaterThanOrEqual(answers.length);
    expect(refused[0]).toMatchObject({ level: 40, code: "store_unavailable" });
    expect(["unreachable", "connection_lost"]).toContain(refused[0]?.reason);

    const back = await eventually(
      "a search answered after the restart",
      async () => {
        const r = await search();
        return r.status === 503 ? null : r;
      },
      10_000,
    );
    expect(back.status).toBe(200);
    expect(back.json.data[0].text).toMatch(/3 days/);
    const added = await call("POST", "/api/kb/documents", {
      title: "Pickup",
      text: "Pickup points open at 8.",
    });
    expect(added.status).toBe(200);
    expect(added.json.results[0].status).toBe("added");
  });

  it("answers 503 with Retry-After: 1 after knowledge.store.acquireTimeoutMs while its one pooled connection is busy, and the busy request still succeeds", async () => {
    const before = await unavailableCount("pool_timeout");
    // PGlite serves one session: while this client holds a transaction open, the knowledge
    // base's query waits on the server, holding the pool's only connection (poolSize 1).
    const blocker = new pg.Client({ connectionString: kbServer.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1");
      const both = [search(), search()];
      const first = await Promise.race(both);
      expectStoreUnavailable(first, "1");
      await blocker.query("ROLLBACK");
      const statuses = (await Promise.all(both)).map((a) => a.status).sort();
      expect(statuses).toEqual([200, 503]);
    } finally {
      await blocker.end();
    }
    expect((await unavailableCount("pool_timeout")) - before).toBe(1);
    expect(logs.at(-1)).toMatchObject({
      reason: "pool_timeout",
      cause: "timeout exceeded when trying to connect",
    });
  });
});

describe("the knowledge base's own Postgres pool on /metrics", () => {
  it("is shown beside the store's, labelled pool=knowledge, with its own size and no LISTEN connection", async () => {
    expect((await search()).status).toBe(200);
    const scraped = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metricValue(scraped, "seekdesk_postgres_pool_size", { pool: "knowledge" })).toBe(1);
    expect(metricValue(scraped, "seekdesk_postgres_pool_size", { pool: "store" })).toBeGreaterThan(1);
    expect(metricValue(scraped, "seekdesk_postgres_pool_waiting", { pool: "knowledge" })).toBe(0);
    const kbConnections =
      metricValue(scraped, "seekdesk_postgres_connections", { pool: "knowledge", state: "idle" }) +
      metricValue(scraped, "seekdesk_postgres_connections", { pool: "knowledge", state: "busy" });
    // The search above opened its one connection; the scrape finds it idle or (rarely) still busy.
    expect(kbConnections).toBe(1);
    expect(scraped).toContain('seekdesk_postgres_connections{pool="store",state="listen"}');
    expect(scraped).not.toContain('seekdesk_postgres_connections{pool="knowledge",state="listen"}');
  });
});
