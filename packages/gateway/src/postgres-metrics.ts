import { STORE_UNAVAILABLE_REASONS, type StoreUnavailableReason } from "@seekdesk/core";
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
  db.onUnavailable(storeUnavailableCounter(registry));
}

const STORE_UNAVAILABLE_METRIC = "seekdesk_store_unavailable_total";

/**
 * Counts one query refused because its Postgres was unavailable. Every pool of the process (the
 * store's, a knowledge base's own) counts into the registry's one counter, created by the first.
 */
export function storeUnavailableCounter(registry: Registry): (reason: StoreUnavailableReason) => void {
  let unavailable = registry.getSingleMetric(STORE_UNAVAILABLE_METRIC) as Counter<"reason"> | undefined;
  if (!unavailable) {
    unavailable = new Counter({
      name: STORE_UNAVAILABLE_METRIC,
      help: "Postgres queries that failed because the store was unavailable (a request behind one gets 503 store_unavailable), by reason: pool_timeout (store.acquireTimeoutMs passed with every connection busy), unreachable, shutdown, too_many_connections, connection_lost",
      labelNames: ["reason"],
      registers: [registry],
    });
    // Each reason's series exists from the start at 0, so rate() sees even the first refusal.
    for (const reason of STORE_UNAVAILABLE_REASONS) unavailable.inc({ reason }, 0);
  }
  const counter = unavailable;
  return (reason) => counter.inc({ reason });
}
