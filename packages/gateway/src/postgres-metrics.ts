import { STORE_UNAVAILABLE_REASONS, type StoreUnavailableReason } from "@seekdesk/core";
import type { PostgresDatabase } from "@seekdesk/store";
import { Counter, Gauge, type Registry } from "prom-client";

/**
 * Which pool a series describes: the store's ("store", which a knowledge base on the same database
 * shares), or a knowledge base's own ("knowledge", with knowledge.store.url on another database).
 */
export type PostgresPoolName = "store" | "knowledge";

/** Per registry, the pools its gauges read at each scrape (created with the first). */
const poolsOf = new WeakMap<Registry, Map<PostgresPoolName, PostgresDatabase>>();

/**
 * A Postgres pool of the process on /metrics, read at each scrape, labelled `pool`. Queries
 * waiting for a connection most of the time say the pool's size (store.poolSize, or
 * knowledge.store.poolSize) is too small for the replica's load; busy connections near it with
 * nobody waiting say it fits. Only the store's pool LISTENs, so only it has a `listen` series.
 */
export function registerPostgresPoolMetrics(
  registry: Registry,
  db: PostgresDatabase,
  pool: PostgresPoolName = "store",
): void {
  gaugedPools(registry).set(pool, db);
  db.onUnavailable(storeUnavailableCounter(registry));
}

/** The pools the registry's gauges read, creating the gauges on first use. */
function gaugedPools(registry: Registry): Map<PostgresPoolName, PostgresDatabase> {
  const known = poolsOf.get(registry);
  if (known) return known;
  const pools = new Map<PostgresPoolName, PostgresDatabase>();
  poolsOf.set(registry, pools);
  new Gauge({
    name: "seekdesk_postgres_connections",
    help: "Connections to Postgres held by this process, by pool: the pool's idle and busy ones (at most its poolSize) and, for the store's, the one that LISTENs",
    labelNames: ["pool", "state"],
    registers: [registry],
    collect() {
      for (const [pool, db] of pools) {
        const { totalCount, idleCount } = db.pool;
        this.set({ pool, state: "idle" }, idleCount);
        this.set({ pool, state: "busy" }, totalCount - idleCount);
        if (pool === "store") this.set({ pool, state: "listen" }, db.listener.backendPid === null ? 0 : 1);
      }
    },
  });
  // Constant, but alert rules compare busy connections with it (busy == poolSize: the pool is full).
  new Gauge({
    name: "seekdesk_postgres_pool_size",
    help: "Connections a Postgres pool may hold at once (store.poolSize, knowledge.store.poolSize)",
    labelNames: ["pool"],
    registers: [registry],
    collect() {
      for (const [pool, db] of pools) this.set({ pool }, db.poolSize);
    },
  });
  new Gauge({
    name: "seekdesk_postgres_pool_waiting",
    help: "Queries waiting for a free connection of a Postgres pool",
    labelNames: ["pool"],
    registers: [registry],
    collect() {
      for (const [pool, db] of pools) this.set({ pool }, db.pool.waitingCount);
    },
  });
  return pools;
}

/**
 * What a knowledge base opened by a plugin reports to the gateway: its own pool's outages into
 * `seekdesk_store_unavailable_total`, and the pool itself into the connection gauges.
 */
export function knowledgePoolObservers(registry: Registry): {
  onStoreUnavailable: (reason: StoreUnavailableReason) => void;
  onOwnPool: (db: PostgresDatabase) => void;
} {
  return {
    onStoreUnavailable: storeUnavailableCounter(registry),
    // Its outages are already counted through onStoreUnavailable: only the gauges are added.
    onOwnPool: (db) => void gaugedPools(registry).set("knowledge", db),
  };
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
