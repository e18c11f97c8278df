import { StoreUnavailableError, type StoreUnavailableReason } from "@seekdesk/core";
import pg from "pg";
import type { Migration } from "../migrations.ts";
import { PostgresListener } from "./listen.ts";
import { migratePostgres } from "./migrate.ts";
import { classifyPostgresError } from "./unavailable.ts";

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Connections the pool may hold at once (config `store.poolSize`). Default 10. */
  poolSize?: number;
  /**
   * How long a query waits for a free connection, or for a new one to connect (config
   * `store.acquireTimeoutMs`), before it fails with StoreUnavailableError. Default 5000.
   */
  acquireTimeoutMs?: number;
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
export const DEFAULT_POSTGRES_ACQUIRE_TIMEOUT_MS = 5000;

type Classify = (err: unknown) => unknown;

/** `args` with its trailing callback (if any) handed classified errors. */
function classifyingCallback(args: unknown[], classify: Classify): unknown[] {
  const last = args.at(-1);
  if (typeof last !== "function") return args;
  return [
    ...args.slice(0, -1),
    (err: unknown, ...rest: unknown[]) => last(err ? classify(err) : err, ...rest),
  ];
}

/** A call's result with a rejected promise's error classified (a callback call returns nothing). */
function classifyingResult(out: unknown, classify: Classify): unknown {
  return out instanceof Promise
    ? out.catch((err: unknown) => {
        throw classify(err);
      })
    : out;
}

/**
 * A pool whose every way in (connect, query, and each pooled client's query, as the repositories'
 * transactions use them) fails with StoreUnavailableError when Postgres is out of reach, the pool
 * stays exhausted past the acquire wait, or the server shuts down; other errors pass unchanged.
 * Subclasses rather than wrappers, so repositories keep the pg types they were written against.
 */
function classifyingPool(config: pg.PoolConfig, classify: Classify): pg.Pool {
  class ClassifyingClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // A checked-out client (a transaction) whose server goes away emits 'error' with nobody
      // listening (pg-pool listens only while it is idle), which would crash the process. Its
      // queries fail anyway (StoreUnavailableError) and the pool drops it on release.
      this.on("error", () => undefined);
    }

    // biome-ignore lint/suspicious/noExplicitAny: one body for pg's many query overloads
    override query(...args: any[]): any {
      return classifyingResult(super.query(...(classifyingCallback(args, classify) as [never])), classify);
    }
  }
  class ClassifyingPool extends pg.Pool {
    // biome-ignore lint/suspicious/noExplicitAny: one body for pg-pool's connect overloads
    override connect(...args: any[]): any {
      return classifyingResult(super.connect(...(classifyingCallback(args, classify) as [never])), classify);
    }
    // biome-ignore lint/suspicious/noExplicitAny: one body for pg-pool's query overloads
    override query(...args: any[]): any {
      return classifyingResult(super.query(...(classifyingCallback(args, classify) as [never])), classify);
    }
  }
  return new ClassifyingPool({ ...config, Client: ClassifyingClient });
}

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
  private readonly unavailableListeners: ((reason: StoreUnavailableReason) => void)[] = [];

  constructor(readonly opts: PostgresDatabaseOptions) {
    this.poolSize = opts.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE;
    if (!Number.isInteger(this.poolSize) || this.poolSize < 1)
      throw new Error(`Postgres pool size must be a positive integer, got ${opts.poolSize}`);
    const acquireTimeoutMs = opts.acquireTimeoutMs ?? DEFAULT_POSTGRES_ACQUIRE_TIMEOUT_MS;
    if (!Number.isInteger(acquireTimeoutMs) || acquireTimeoutMs < 1)
      throw new Error(`Postgres acquire timeout must be a positive integer, got ${opts.acquireTimeoutMs}`);
    const applicationName = opts.applicationName;
    const classify = (err: unknown) =>
      classifyPostgresError(err, (reason) => {
        for (const listener of this.unavailableListeners) listener(reason);
      });
    this.pool = classifyingPool(
      {
        connectionString: opts.url,
        max: this.poolSize,
        // Without it pg-pool waits forever for a connection, and so does the request.
        connectionTimeoutMillis: acquireTimeoutMs,
        ...(applicationName === undefined ? {} : { application_name: applicationName }),
      },
      classify,
    );
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

  /**
   * Runs `fn` in one transaction on one pooled connection: committed when it resolves, rolled back
   * when it throws (the error passes on), the connection released either way.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      // A connection Postgres dropped has no transaction left to roll back, and a ROLLBACK on
      // it would fail again and be counted as a second outage; the pool discards it instead.
      if (err instanceof StoreUnavailableError) broken = err;
      else await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Hears each query that failed with StoreUnavailableError, once (the gateway counts them). */
  onUnavailable(listener: (reason: StoreUnavailableReason) => void): void {
    this.unavailableListeners.push(listener);
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

/**
 * `postgresDatabaseFor`, then the domain's migrations on it, as every repository's opener needs;
 * a handle of its own is closed again when they fail.
 */
export async function migratedPostgresDatabase(
  target: PostgresDatabase | string,
  own: Omit<PostgresDatabaseOptions, "url">,
  domain: string,
  migrations: readonly Migration[],
): Promise<{ db: PostgresDatabase; owned: boolean }> {
  const { db, owned } = postgresDatabaseFor(target, own);
  try {
    await migratePostgres(db.pool, domain, migrations);
  } catch (err) {
    if (owned) await db.close();
    throw err;
  }
  return { db, owned };
}
