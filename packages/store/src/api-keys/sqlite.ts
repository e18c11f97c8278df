import { migrateSqlite } from "../migrations.ts";
import type { SqliteDatabase } from "../sqlite.ts";
import { SQLITE_API_KEY_MIGRATIONS } from "./schema.ts";
import {
  API_KEY_COLUMNS,
  type ApiKeyPatch,
  type ApiKeyRepository,
  type ApiKeyRow,
  type ApiKeySecret,
  type ApiKeyUse,
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
  created_at: string;
  revoked_at: string | null;
  scope: "api" | "widget";
  origins: string | null;
  expires_at: string | null;
  models: string | null;
  last_used_at: string | null;
}

const toRow = (r: Row): ApiKeyRow => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  prefix: r.prefix,
  rpm: r.rpm,
  tpm: r.tpm,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  scope: r.scope,
  origins: r.origins === null ? null : (JSON.parse(r.origins) as string[]),
  expiresAt: r.expires_at,
  models: r.models === null ? null : (JSON.parse(r.models) as string[]),
  lastUsedAt: r.last_used_at,
});

/**
 * API keys in the server's SQLite file. The server and `seekdesk keys` share the file, so a
 * lookup (a prepared statement on an indexed column: microseconds) always reads the database.
 */
export class SqliteApiKeyRepository implements ApiKeyRepository {
  readonly kind = "sqlite" as const;
  private readonly byHash;
  private readonly anyKey;

  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "keys", SQLITE_API_KEY_MIGRATIONS);
    this.byHash = db.prepare<[string], Row>("SELECT * FROM api_keys WHERE hash = ?");
    this.anyKey = db.prepare<[], { n: number }>("SELECT EXISTS (SELECT 1 FROM api_keys) AS n");
  }

  async open(): Promise<void> {}

  async insert(k: ApiKeyRow): Promise<void> {
    this.db
      .prepare(`INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(...apiKeyColumnValues(k));
  }

  async insertIfNone(k: ApiKeyRow): Promise<boolean> {
    // One statement: SQLite's single writer makes the check and the insert one step.
    const info = this.db
      .prepare(
        `INSERT INTO api_keys (${API_KEY_COLUMNS})
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM api_keys)`,
      )
      .run(...apiKeyColumnValues(k));
    return info.changes > 0;
  }

  async list(): Promise<ApiKeyRow[]> {
    return (this.db.prepare("SELECT * FROM api_keys ORDER BY created_at, id").all() as Row[]).map(toRow);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    if (!this.db.prepare("SELECT id FROM api_keys WHERE id = ?").get(id)) return false;
    this.db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id);
    return true;
  }

  async update(id: string, patch: ApiKeyPatch): Promise<ApiKeyRow | null> {
    return this.setColumns(id, apiKeyPatchColumns(patch));
  }

  async replaceSecret(id: string, secret: ApiKeySecret): Promise<ApiKeyRow | null> {
    return this.setColumns(id, apiKeySecretColumns(secret));
  }

  /** Sets the columns of the active key `id`; the row as it then is (a revoked one unchanged). */
  private setColumns(id: string, sets: [column: string, value: unknown][]): ApiKeyRow | null {
    return this.db.transaction(() => {
      if (sets.length > 0)
        this.db
          .prepare(
            `UPDATE api_keys SET ${sets.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ? AND revoked_at IS NULL`,
          )
          .run(...sets.map(([, v]) => v), id);
      const row = this.db.prepare<[string], Row>("SELECT * FROM api_keys WHERE id = ?").get(id);
      return row ? toRow(row) : null;
    })();
  }

  async markUsed(uses: readonly ApiKeyUse[]): Promise<void> {
    // ISO 8601 in UTC compares as text, so the newer time wins without parsing.
    const mark = this.db.prepare(
      "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
    );
    this.db.transaction(() => {
      for (const u of uses) mark.run(u.at, u.id, u.at);
    })();
  }

  findByHash(hash: string): ApiKeyRow | null {
    const row = this.byHash.get(hash);
    return row ? toRow(row) : null;
  }

  anyExists(): boolean {
    return (this.anyKey.get()?.n ?? 0) > 0;
  }

  /** The database belongs to whoever opened it (the gateway shares it with other packages). */
  async close(): Promise<void> {}
}
