import { type PostgresDatabase, postgresDatabaseFor } from "../postgres/database.ts";
import { migratePostgres } from "../postgres/migrate.ts";
import { PostgresRepository } from "../postgres/repository.ts";
import { API_KEYS_CHANNEL, POSTGRES_API_KEY_MIGRATIONS } from "./schema.ts";
import {
  API_KEY_COLUMNS,
  type ApiKeyChangeSink,
  type ApiKeyPatch,
  type ApiKeyRepository,
  type ApiKeyRow,
  type ApiKeySecret,
  type ApiKeyUse,
  type ApiKeyWatch,
  apiKeyColumnValues,
  apiKeyPatchColumns,
  apiKeySecretColumns,
} from "./types.ts";

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
  expires_at: Date | null;
  models: string[] | null;
  last_used_at: Date | null;
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
  expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
  models: r.models,
  lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
});

export interface PostgresApiKeyOptions {
  /** With a URL: pool size of its own handle; lookups are cached by the gateway, so a few carry a busy replica. */
  max?: number;
  /** With a URL: first delay before reconnecting a lost notification connection; doubles up to 10 s. */
  reconnectMs?: number;
  /** With a URL: application_name of its own connections, so operators find them in pg_stat_activity. */
  applicationName?: string;
}

/**
 * API keys in Postgres, shared by every replica. `watch` subscribes, on the database handle's one
 * LISTEN connection, to the channel the table's trigger notifies.
 */
export class PostgresApiKeyRepository extends PostgresRepository implements ApiKeyRepository {
  private opened: Promise<void> | null = null;

  /** `target`: the process's shared handle, or a URL for a handle of the repository's own. */
  constructor(target: PostgresDatabase | string, opts: PostgresApiKeyOptions = {}) {
    const { db, owned } = postgresDatabaseFor(target, {
      poolSize: opts.max ?? 4,
      reconnectMs: opts.reconnectMs,
      applicationName: opts.applicationName,
    });
    super(db, owned);
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
      `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [...apiKeyColumnValues(k)],
    );
  }

  async insertIfNone(k: ApiKeyRow): Promise<boolean> {
    await this.open();
    return this.tx(async (client) => {
      // Replicas starting together (each making a first key) take turns; the later ones see the key.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('seekdesk:keys:first'))");
      const r = await client.query(
        `INSERT INTO api_keys (${API_KEY_COLUMNS})
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 WHERE NOT EXISTS (SELECT 1 FROM api_keys)`,
        [...apiKeyColumnValues(k)],
      );
      return (r.rowCount ?? 0) > 0;
    });
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

  async update(id: string, patch: ApiKeyPatch): Promise<ApiKeyRow | null> {
    return this.setColumns(id, apiKeyPatchColumns(patch));
  }

  async replaceSecret(id: string, secret: ApiKeySecret): Promise<ApiKeyRow | null> {
    return this.setColumns(id, apiKeySecretColumns(secret));
  }

  /** Sets the columns of the active key `id`; the row as it then is (a revoked one unchanged). */
  private async setColumns(id: string, sets: [column: string, value: unknown][]): Promise<ApiKeyRow | null> {
    await this.open();
    // One statement: the changed row, or, for a revoked key (left alone), the row as it is.
    const assignments = sets.length > 0 ? sets.map(([c], i) => `${c} = $${i + 2}`).join(", ") : "id = id";
    const { rows } = await this.pool.query<Row>(
      `WITH changed AS (
         UPDATE api_keys SET ${assignments} WHERE id = $1 AND revoked_at IS NULL RETURNING *
       )
       SELECT * FROM changed
       UNION ALL SELECT * FROM api_keys WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM changed)`,
      [id, ...sets.map(([, v]) => v)],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async markUsed(uses: readonly ApiKeyUse[]): Promise<void> {
    if (uses.length === 0) return;
    await this.open();
    await this.pool.query(
      `UPDATE api_keys k SET last_used_at = u.at
         FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [uses.map((u) => u.id), uses.map((u) => u.at)],
    );
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
    // ApiKeyStore opens (migrates) the repository before it watches, so the trigger exists.
    return this.db.listener.subscribe(API_KEYS_CHANNEL, {
      // A payload is a key's hash; one without names nothing to drop.
      onNotify: (hash) => {
        if (hash) sink.changed(hash);
      },
      // Notifications sent while nobody listened are gone (`lost`), and anything cached before
      // LISTEN took effect was read without a guarantee of hearing about changes (`listening`).
      onGap: (reason) => sink.gap(reason),
    });
  }
}

/** Connects, migrates the "keys" domain and returns the repository. */
export async function openPostgresApiKeyRepository(
  target: PostgresDatabase | string,
  opts: PostgresApiKeyOptions = {},
): Promise<PostgresApiKeyRepository> {
  const repo = new PostgresApiKeyRepository(target, opts);
  try {
    await repo.open();
  } catch (err) {
    await repo.close();
    throw err;
  }
  return repo;
}
