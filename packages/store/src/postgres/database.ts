import pg from "pg";
import { PostgresListener } from "./listen.ts";

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Connections the pool may hold at once (config `store.poolSize`). Default 10. */
  poolSize?: number;
  /** application_name of every connection, so operators find them in pg_stat_activity. */
  applicationName?: string;
  /** First delay before reconnecting the LISTEN connection when lost; doubles up to 10 s. */
  reconnectMs?: number;
  /**
   * How often the LISTEN connection is pinged (default 15 s): one whose peer vanished without a
   * reset (a failover, a dropped NAT entry) would otherwise wait minutes for TCP keep-alive while
   * notifications silently stop. null: no pings.
   */
  pingMs?: number | null;
}

export const DEFAULT_POSTGRES_POOL_SIZE = 10;

/**
 * A process's way into one Postgres database: one pool that every repository queries through,
 * and one connection LISTENing on every channel they subscribe to. So a replica holds at most
 * `poolSize + 1` connections, however many repositories it has. Whoever opens it closes it, after
 * the repositories using it are done (they never end the pool themselves).
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly listener: PostgresListener;
  readonly poolSize: number;
  private closing: Promise<void> | null = null;

  constructor(readonly opts: PostgresDatabaseOptions) {
    this.poolSize = opts.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE;
    if (!Number.isInteger(this.poolSize) || this.poolSize < 1)
      throw new Error(`Postgres pool size must be a positive integer, got ${opts.poolSize}`);
    const applicationName = opts.applicationName;
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: this.poolSize,
      connectionTimeoutMillis: 5000,
      ...(applicationName === undefined ? {} : { application_name: applicationName }),
    });
    // An idle client's error (the server restarted) must not crash the process; the pool drops
    // it and the next query reconnects.
    this.pool.on("error", () => undefined);
    this.listener = new PostgresListener({
      connectionString: opts.url,
      applicationName,
      reconnectMs: opts.reconnectMs,
      ...(opts.pingMs === null ? {} : { pingMs: opts.pingMs ?? 15_000 }),
    });
  }

  get url(): string {
    return this.opts.url;
  }

  /** Ends the listener and the pool, once; later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.pool.end();
    })();
    return this.closing;
  }
}

/** Opens the handle. Nothing connects until the first query or subscription. */
export function openPostgresDatabase(opts: PostgresDatabaseOptions): PostgresDatabase {
  return new PostgresDatabase(opts);
}

/**
 * A repository's database: the shared handle it was given (borrowed: its opener closes it), or
 * one of its own for a URL (owned: the repository closes it), as one-shot commands and tests use.
 */
export function postgresDatabaseFor(
  target: PostgresDatabase | string,
  own: Omit<PostgresDatabaseOptions, "url">,
): { db: PostgresDatabase; owned: boolean } {
  if (typeof target !== "string") return { db: target, owned: false };
  return { db: openPostgresDatabase({ url: target, ...own }), owned: true };
}
