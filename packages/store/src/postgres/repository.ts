import type pg from "pg";
import type { PostgresDatabase } from "./database.ts";

/**
 * What every Postgres repository shares: its database handle, borrowed (the process's shared one,
 * closed by whoever opened it) or owned (opened for a URL, so `close` ends it).
 */
export abstract class PostgresRepository {
  readonly kind = "postgres" as const;

  constructor(
    readonly db: PostgresDatabase,
    private readonly owned = false,
  ) {}

  get pool(): pg.Pool {
    return this.db.pool;
  }

  protected tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Ends the handle only when it is the repository's own; a shared one is closed by its opener. */
  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }
}
