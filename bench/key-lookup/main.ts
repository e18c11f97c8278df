/**
 * Question: what does an API key lookup cost on the request path once keys live in Postgres?
 * (Gateway target: < 1 ms added p99 in total.)
 *
 * A throwaway Postgres (local binaries, loopback, fsync off) holds one key. Ours: ApiKeyStore over
 * Postgres as a replica runs it: a cached hit (the steady state: answered from memory, no
 * promise), and a miss (cache off: one indexed SELECT over the pool, what a replica pays once per
 * key per cache life, or for every unknown key). Peer: the SQLite store the gateway used before
 * (a prepared statement on the same index, every request). Times include the SHA-256 of the key.
 *
 *   npx tsx bench/key-lookup/main.ts [--hits 200000] [--misses 5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ApiKeyStore } from "@seekdesk/gateway";
import { openPostgresApiKeyRepository, openSqlite, SqliteApiKeyRepository } from "@seekdesk/store";
import { startTestPostgres } from "@seekdesk/store/testing/postgres.ts";

const { values } = parseArgs({
  options: { hits: { type: "string", default: "200000" }, misses: { type: "string", default: "5000" } },
});
const hits = Number(values.hits);
const misses = Number(values.misses);

function quantiles(ns: number[]): { p50: number; p99: number; mean: number } {
  const s = [...ns].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] / 1000;
  return { p50: q(0.5), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length / 1000 };
}

async function time(n: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = fn();
    if (r instanceof Promise) await r;
    out.push(Number(process.hrtime.bigint() - t));
  }
  return out;
}

const pg = await startTestPostgres();
const dir = mkdtempSync(join(tmpdir(), "seekdesk-bench-keys-"));
try {
  const url = await pg.createDatabase("bench_keys");
  const cached = new ApiKeyStore(await openPostgresApiKeyRepository(url));
  await cached.open();
  const { key } = await cached.create({ name: "bench" });
  const uncached = new ApiKeyStore(await openPostgresApiKeyRepository(url), { cacheTtlMs: 0 });
  await uncached.open();
  const db = openSqlite(join(dir, "keys.sqlite"));
  const sqlite = new ApiKeyStore(new SqliteApiKeyRepository(db));
  const { key: sqliteKey } = await sqlite.create({ name: "bench" });

  // Warm-up: JIT, the pool's connections, the named statement, our own insert's notification.
  await new Promise((r) => setTimeout(r, 200));
  await time(20_000, () => cached.verify(key));
  await time(2000, () => uncached.verify(key));
  await time(20_000, () => sqlite.verify(sqliteKey));
  const hit = quantiles(await time(hits, () => cached.verify(key)));
  const miss = quantiles(await time(misses, () => uncached.verify(key)));
  const peer = quantiles(await time(hits, () => sqlite.verify(sqliteKey)));

  const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}, node ${process.version}`;
  const f = (v: number) => v.toFixed(1);
  const rows = [
    ["measure (µs per lookup)", "ours: Postgres", "peer: SQLite", "ratio", "machine"],
    ["cached hit p50", f(hit.p50), f(peer.p50), (hit.p50 / peer.p50).toFixed(2), machine],
    ["cached hit p99", f(hit.p99), f(peer.p99), (hit.p99 / peer.p99).toFixed(2), machine],
    ["miss (SELECT) p50", f(miss.p50), f(peer.p50), (miss.p50 / peer.p50).toFixed(2), machine],
    ["miss (SELECT) p99", f(miss.p99), f(peer.p99), (miss.p99 / peer.p99).toFixed(2), machine],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  await cached.close();
  await uncached.close();
  db.close();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
