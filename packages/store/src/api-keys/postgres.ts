import pg from "pg";
import { migratePostgres } from "../postgres/migrate.ts";
import { API_KEYS_CHANNEL, POSTGRES_API_KEY_MIGRATIONS } from "./schema.ts";
import type { ApiKeyChangeSink, ApiKeyRepository, ApiKeyRow, ApiKeyWatch } from "./types.ts";

interface Row {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  rpm: number | null;
  tpm: number | null;
  created_at: Date;
  revoked_at: Date | null;
  scope: "api" | "widget";
  origins: string[] | null;
}

const toRow = (r: Row): ApiKeyRow => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  prefix: r.prefix,
  rpm: r.rpm,
  tpm: r.tpm,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  scope: r.scope,
  origins: r.origins,
});

const values = (k: ApiKeyRow) => [
  k.id,
  k.name,
  k.hash,
  k.prefix,
  k.rpm,
  k.tpm,
  k.createdAt,
  k.revokedAt,
  k.scope,
  k.origins === null ? null : JSON.stringify(k.origins),
];

export interface PostgresApiKeyOptions {
  /** Pool size; lookups are cached by the gateway, so a few connections carry a busy replica. */
  max?: number;
  /** First delay before reconnecting a lost notification connection; doubles up to 10 s. */
  reconnectMs?: number;
}

/**
 * API keys in Postgres, shared by every replica. `watch` keeps one extra connection LISTENing on
 * the channel the table's trigger notifies, reconnecting with back-off when it is lost.
 */
export class PostgresApiKeyRepository implements ApiKeyRepository {
  readonly kind = "postgres" as const;
  readonly pool: pg.Pool;
  private opened: Promise<void> | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly opts: PostgresApiKeyOptions = {},
  ) {
    this.pool = new pg.Pool({ connectionString, max: opts.max ?? 4, connectionTimeoutMillis: 5000 });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  open(): Promise<void> {
    // A failed attempt (Postgres not up yet) is not remembered: the next call tries again.
    this.opened ??= migratePostgres(this.pool, "keys", POSTGRES_API_KEY_MIGRATIONS).then(
      () => undefined,
      (err: unknown) => {
        this.opened = null;
        throw err;
      },
    );
    return this.opened;
  }

  async insert(k: ApiKeyRow): Promise<void> {
    await this.open();
    await this.pool.query(
      `INSERT INTO api_keys (id, name, hash, prefix, rpm, tpm, created_at, revoked_at, scope, origins)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      values(k),
    );
  }

  async insertIfNone(k: ApiKeyRow): Promise<boolean> {
    await this.open();
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // Replicas starting together (each making a first key) take turns; the later ones see the key.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('seekdesk:keys:first'))");
      const r = await client.query(
        `INSERT INTO api_keys (id, name, hash, prefix, rpm, tpm, created_at, revoked_at, scope, origins)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE NOT EXISTS (SELECT 1 FROM api_keys)`,
        values(k),
      );
      await client.query("COMMIT");
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async list(): Promise<ApiKeyRow[]> {
    await this.open();
    const { rows } = await this.pool.query<Row>("SELECT * FROM api_keys ORDER BY created_at, id");
    return rows.map(toRow);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    await this.open();
    // One statement: the UPDATE touches the row only if it is still active (keeping the first
    // revocation time), and the SELECT says whether the id exists at all.
    const { rows } = await this.pool.query<{ found: boolean }>(
      `WITH upd AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1) AS found`,
      [id, at],
    );
    return rows[0]?.found ?? false;
  }

  async findByHash(hash: string): Promise<ApiKeyRow | null> {
    await this.open();
    const { rows } = await this.pool.query<Row>({
      name: "api_key_by_hash",
      text: "SELECT * FROM api_keys WHERE hash = $1",
      values: [hash],
    });
    return rows[0] ? toRow(rows[0]) : null;
  }

  async anyExists(): Promise<boolean> {
    await this.open();
    const { rows } = await this.pool.query<{ n: boolean }>("SELECT EXISTS (SELECT 1 FROM api_keys) AS n");
    return rows[0]?.n ?? false;
  }

  watch(sink: ApiKeyChangeSink): ApiKeyWatch {
    let stopped = false;
    let client: pg.Client | null = null;
    let timer: NodeJS.Timeout | null = null;
    const first = this.opts.reconnectMs ?? 250;
    let delay = first;
    const retry = () => {
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, delay);
      timer.unref();
      delay = Math.min(delay * 2, 10_000);
    };
    const lost = (c: pg.Client) => {
      if (client !== c) return;
      client = null;
      c.end().catch(() => undefined);
      // Notifications sent while we were away are gone: whatever was cached may be stale.
      sink.gap("lost");
      retry();
    };
    const connect = async () => {
      const c = new pg.Client({
        connectionString: this.connectionString,
        // A silently dead peer (no RST) is noticed by TCP keep-alive instead of never.
        keepAlive: true,
        keepAliveInitialDelayMillis: 5000,
        connectionTimeoutMillis: 5000,
      });
      c.on("notification", (n) => {
        if (n.channel === API_KEYS_CHANNEL && n.payload) sink.changed(n.payload);
      });
      c.on("error", () => lost(c));
      c.on("end", () => lost(c));
      try {
        await this.open();
        await c.connect();
        await c.query(`LISTEN ${API_KEYS_CHANNEL}`);
      } catch {
        c.end().catch(() => undefined);
        retry();
        return;
      }
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      delay = first;
      // Anything cached before LISTEN took effect was read without a guarantee of hearing about changes.
      sink.gap("listening");
    };
    return {
      started: connect(),
      async stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
        const c = client;
        client = null;
        await c?.end().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connects, migrates the "keys" domain and returns the repository. */
export async function openPostgresApiKeyRepository(
  connectionString: string,
  opts: PostgresApiKeyOptions = {},
): Promise<PostgresApiKeyRepository> {
  const repo = new PostgresApiKeyRepository(connectionString, opts);
  try {
    await repo.open();
  } catch (err) {
    await repo.close();
    throw err;
  }
  return repo;
}
