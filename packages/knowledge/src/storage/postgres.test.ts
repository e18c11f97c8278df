import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type SearchHit, StoreUnavailableError } from "@seekdesk/core";
import { openPostgresDatabase } from "@seekdesk/store";
import { startTestPgvector, startTestPostgres, type TestPgvector } from "@seekdesk/store/testing/index.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConfiguredKnowledgeBase } from "../config.ts";
import { openKnowledgeBase } from "../kb.ts";
import { markdownParser } from "../parse/markdown.ts";
import {
  contractQueries,
  ingestContractCorpus,
  knowledgeStoreContract,
} from "../testing/knowledge-store-contract.ts";
import { openPostgresKnowledgeStore, type PostgresKnowledgeStore } from "./postgres.ts";
import { SqliteKnowledgeStore } from "./sqlite.ts";

/** Hits grouped by score (to 5 decimals, as float32 and float64 sums differ below that), best first. */
function rankGroups(hits: SearchHit[]): { score: string; ids: string[] }[] {
  const groups: { score: string; ids: string[] }[] = [];
  for (const h of hits) {
    const score = h.score.toFixed(5);
    const last = groups.at(-1);
    if (last?.score === score) last.ids.push(h.chunkId);
    else groups.push({ score, ids: [h.chunkId] });
  }
  for (const g of groups) g.ids.sort();
  return groups;
}

let server: TestPgvector;
beforeAll(async () => {
  server = await startTestPgvector();
});
afterAll(async () => {
  await server?.stop();
});

let n = 0;
knowledgeStoreContract("Postgres + pgvector", async () => {
  const schema = `kb_contract_${n++}`;
  return () => openPostgresKnowledgeStore({ url: server.url, schema });
});

describe("Postgres knowledge store", () => {
  it("answers every query of the contract corpus with the same ranked chunks as SQLite", async () => {
    const lite = await openKnowledgeBase({ store: SqliteKnowledgeStore.open() });
    const pgkb = await openKnowledgeBase({
      store: await openPostgresKnowledgeStore({ url: server.url, schema: "kb_same_as_sqlite" }),
    });
    try {
      await ingestContractCorpus(lite);
      await ingestContractCorpus(pgkb);
      const queries = [...contractQueries.map((q) => q.query), "运费", "invoice email", "defect photo"];
      for (const query of queries) {
        for (const mode of ["bm25", "vector", "hybrid"] as const) {
          const a = rankGroups(await lite.search(query, { mode, k: 5 }));
          const b = rankGroups(await pgkb.search(query, { mode, k: 5 }));
          // Equal scores may come in either order, and the k-th place may cut a tie differently.
          expect(b.slice(0, -1), `${mode}: ${query}`).toEqual(a.slice(0, -1));
          expect(b.at(-1)?.score).toBe(a.at(-1)?.score);
          expect(b.at(-1)?.ids.length).toBe(a.at(-1)?.ids.length);
        }
      }
      expect(await pgkb.stats()).toMatchObject({ vectorStore: "pgvector", ann: true, dim: 256 });
    } finally {
      await lite.close();
      await pgkb.close();
    }
  });

  it("keeps tables in its schema, vectors under an HNSW cosine index, and migrations in schema_migrations", async () => {
    const kb = await openKnowledgeBase({
      store: await openPostgresKnowledgeStore({ url: server.url, schema: "kb_layout" }),
    });
    await kb.ingestText({ title: "Hours", text: "We answer chats from 9 to 21 every day." });
    await kb.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const tables = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'kb_layout' ORDER BY tablename",
      );
      expect(tables.rows.map((r) => r.tablename)).toEqual([
        "kb_chunks",
        "kb_documents",
        "kb_state",
        "kb_vectors",
      ]);
      const idx = await client.query(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'kb_layout' AND indexdef LIKE '%hnsw%'",
      );
      expect(idx.rows.map((r) => r.indexdef)).toEqual([
        expect.stringMatching(
          /USING hnsw \(\(\(embedding\)::vector\(256\)\) vector_cosine_ops\) WHERE \(embedder = 'hashed-ngram-v2-256'::text\)/,
        ),
      ]);
      // The planner takes that index for the search query once a scan is not simply cheaper.
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      const q = `[${Array.from({ length: 256 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
      const plan = await client.query(
        `EXPLAIN SELECT chunk_key FROM kb_layout.kb_vectors WHERE embedder = 'hashed-ngram-v2-256'
         ORDER BY (embedding::vector(256)) <=> $1::vector(256) LIMIT 5`,
        [q],
      );
      await client.query("COMMIT");
      expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using kb_vectors_hnsw_/);
      const migrations = await client.query(
        "SELECT domain, version FROM schema_migrations WHERE domain = 'knowledge:kb_layout'",
      );
      expect(migrations.rows).toEqual([{ domain: "knowledge:kb_layout", version: 1 }]);
    } finally {
      await client.end();
    }
  });

  it("is what the config selects with knowledge.store.driver postgres, on the main store's URL", async () => {
    const config = parseConfig({
      store: { driver: "postgres", url: server.url },
      knowledge: { store: { driver: "postgres", schema: "kb_configured" } },
    });
    const kb = await openConfiguredKnowledgeBase(config, "/nonexistent-data-dir");
    try {
      await kb.ingestText({ title: "Hours", text: "We answer chats from 9 to 21 every day." });
      expect(await kb.stats()).toMatchObject({ documents: 1, vectors: 1, vectorStore: "pgvector" });
      expect(kb.store.kind).toBe("postgres");
    } finally {
      await kb.close();
    }
  });

  it("queries through the server's shared pool when on store.url, leaving it open on close; another URL gets a pool of its own", async () => {
    const db = openPostgresDatabase({ url: server.url, poolSize: 2 });
    try {
      const shared = parseConfig({
        store: { driver: "postgres", url: server.url },
        knowledge: { store: { driver: "postgres", schema: "kb_shared" } },
      });
      const kb = await openConfiguredKnowledgeBase(shared, "/nonexistent-data-dir", { postgres: db });
      await kb.ingestText({ title: "Hours", text: "We answer chats from 9 to 21 every day." });
      expect((await kb.search("chats every day", { mode: "hybrid", k: 1 }))[0]?.text).toMatch(/9 to 21/);
      expect((kb.store as PostgresKnowledgeStore).pool).toBe(db.pool);
      expect(db.pool.totalCount).toBeLessThanOrEqual(2);
      await kb.close();
      const { rows } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM kb_shared.kb_documents",
      );
      expect(rows).toEqual([{ n: 1 }]);

      const elsewhere = parseConfig({
        store: { driver: "postgres", url: server.url },
        knowledge: {
          store: { driver: "postgres", url: `${server.url}?application_name=kb`, schema: "kb_shared" },
        },
      });
      const own = await openConfiguredKnowledgeBase(elsewhere, "/nonexistent-data-dir", { postgres: db });
      const ownPool = (own.store as PostgresKnowledgeStore).pool;
      expect(ownPool).not.toBe(db.pool);
      expect(await own.stats()).toMatchObject({ documents: 1 });
      await own.close();
      expect(ownPool.ended).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("says pgvector is missing on a real PostgreSQL server without it", async () => {
    // Debian's PostgreSQL 15 (see .ci/run) has no pgvector package: exactly the production mistake.
    const plain = await startTestPostgres();
    try {
      await expect(openPostgresKnowledgeStore({ url: plain.url })).rejects.toThrow(
        /^pgvector is not installed on this server: extension "vector" is not available/,
      );
    } finally {
      await plain.stop();
    }
  });

  it("names the server it cannot reach, without the password", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const opening = openPostgresKnowledgeStore({ url: `postgres://kb:secret@127.0.0.1:${port}/kb` });
    await expect(opening).rejects.toThrow(
      new RegExp(
        `^cannot reach the knowledge base's Postgres at postgres://kb:\\*\\*\\*@127\\.0\\.0\\.1:${port}/kb: .*ECONNREFUSED`,
      ),
    );
    // An outage, as the main store's are: 503 store_unavailable over HTTP, one line from the CLI.
    await expect(opening).rejects.toMatchObject({ name: "StoreUnavailableError", reason: "unreachable" });
  });

  it("stops an ingest whose own Postgres goes away mid-file with StoreUnavailableError, heard by onStoreUnavailable, instead of reporting a failed file", async () => {
    const own = await startTestPgvector();
    const dir = mkdtempSync(join(tmpdir(), "seekdesk-kb-outage-"));
    const heard: string[] = [];
    try {
      writeFileSync(join(dir, "hours.md"), "# Hours\n\nWe answer chats from 9 to 21 every day.\n");
      let haltOnce = true;
      // The real Markdown parser; the fault (Postgres stopping) is real too, only timed to hit
      // between reading the file and storing it.
      const halting = {
        ...markdownParser,
        async parse(...args: Parameters<typeof markdownParser.parse>) {
          if (haltOnce) {
            haltOnce = false;
            await own.halt();
          }
          return markdownParser.parse(...args);
        },
      };
      const config = parseConfig({
        knowledge: {
          store: { driver: "postgres", url: own.url, schema: "kb_outage", acquireTimeoutMs: 500 },
        },
      });
      const kb = await openConfiguredKnowledgeBase(config, dir, {
        parsers: [halting],
        onStoreUnavailable: (reason) => heard.push(reason),
      });
      try {
        const ingest = kb.ingestPaths([dir]);
        await expect(ingest).rejects.toBeInstanceOf(StoreUnavailableError);
        // Each failed query is heard (the transaction's ROLLBACK after its broken statement too).
        expect(heard.length).toBeGreaterThanOrEqual(1);
        for (const reason of heard) expect(["unreachable", "connection_lost"]).toContain(reason);
        await own.restart();
        let report = await kb.ingestPaths([dir]).catch(() => null);
        // The pool may still hold the connection the outage broke: the first try after can fail too.
        report ??= await kb.ingestPaths([dir]);
        expect(report).toMatchObject({ added: 1, failed: 0 });
        expect((await kb.search("chats every day", { k: 1 }))[0]?.text).toMatch(/9 to 21/);
      } finally {
        await kb.close();
      }
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
