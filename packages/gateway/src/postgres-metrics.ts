import { STORE_UNAVAILABLE_REASONS } from "@seekdesk/core";
import type { PostgresDatabase } from "@seekdesk/store";
import { Counter, Gauge, type Registry } from "prom-client";

/**
 * The process's one Postgres pool on /metrics, read at each scrape. Queries waiting for a
 * connection most of the time say store.poolSize is too small for the replica's load; busy
 * connections near it with nobody waiting say it fits.
 */
export function registerPostgresPoolMetrics(registry: Registry, db: PostgresDatabase): void {
  new Gauge({
    name: "seekdesk_postgres_connections",
    help: "Connections to Postgres held by this process: the pool's idle and busy ones (at most store.poolSize) and the one that LISTENs",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const { totalCount, idleCount } = db.pool;
      this.set({ state: "idle" }, idleCount);
      this.set({ state: "busy" }, totalCount - idleCount);
      this.set({ state: "listen" }, db.listener.backendPid === null ? 0 : 1);
    },
  });
  // Constant, but alert rules compare busy connections with it (busy == poolSize: the pool is full).
  new Gauge({
    name: "seekdesk_postgres_pool_size",
    help: "Connections the Postgres pool may hold at once (store.poolSize)",
    registers: [registry],
    collect() {
      this.set(db.poolSize);
    },
  });
  new Gauge({
    name: "seekdesk_postgres_pool_waiting",
    help: "Queries waiting for a free connection of the Postgres pool (store.poolSize)",
    registers: [registry],
    collect() {
      this.set(db.pool.waitingCount);
    },
  });
  const unavailable = new Counter({
    name: "seekdesk_store_unavailable_total",
    help: "Postgres queries that failed because the store was unavailable (a request behind one gets 503 store_unavailable), by reason: pool_timeout (store.acquireTimeoutMs passed with every connection busy), unreachable, shutdown, too_many_connections, connection_lost",
    labelNames: ["reason"],
    registers: [registry],
  });
  // Each reason's series exists from the start at 0, so rate() sees even the first refusal.
  for (const reason of STORE_UNAVAILABLE_REASONS) unavailable.inc({ reason }, 0);
  db.onUnavailable((reason) => unavailable.inc({ reason }));
}
