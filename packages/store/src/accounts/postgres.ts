import { migratedPostgresDatabase, type PostgresDatabase } from "../postgres/database.ts";
import { PostgresRepository } from "../postgres/repository.ts";
import { POSTGRES_ACCOUNT_MIGRATIONS } from "./schema.ts";
import type { AccountRepository, AccountRow, LoginFailures, NewAccountRow, SessionRow } from "./types.ts";

interface Row {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  role: string;
  disabled: boolean;
  created_at: Date;
}

const toRow = (r: Row): AccountRow => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  role: r.role,
  disabled: r.disabled,
  createdAt: r.created_at.toISOString(),
});

/** Console accounts and sessions in Postgres, shared by every replica. */
export class PostgresAccountRepository extends PostgresRepository implements AccountRepository {
  async insert(a: NewAccountRow): Promise<AccountRow | null> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO accounts (username, display_name, password_hash, role) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((lower(username))) DO NOTHING RETURNING *`,
      [a.username, a.displayName, a.passwordHash, a.role],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async list(): Promise<AccountRow[]> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM accounts ORDER BY id");
    return rows.map(toRow);
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM accounts");
    return rows[0]?.n ?? 0;
  }

  async get(id: number): Promise<AccountRow | null> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM accounts WHERE id = $1", [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async findByUsername(username: string): Promise<AccountRow | null> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM accounts WHERE lower(username) = lower($1)", [
      username,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async update(
    id: number,
    patch: { role: string; disabled: boolean; displayName: string },
  ): Promise<AccountRow | null> {
    return this.tx(async (c) => {
      const { rows } = await c.query<Row>(
        "UPDATE accounts SET role = $1, disabled = $2, display_name = $3 WHERE id = $4 RETURNING *",
        [patch.role, patch.disabled, patch.displayName, id],
      );
      if (rows[0] && patch.disabled) await c.query("DELETE FROM sessions WHERE account_id = $1", [id]);
      return rows[0] ? toRow(rows[0]) : null;
    });
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query("UPDATE accounts SET password_hash = $1 WHERE id = $2", [passwordHash, id]);
      await c.query("DELETE FROM sessions WHERE account_id = $1", [id]);
      return (r.rowCount ?? 0) > 0;
    });
  }

  async remove(id: number): Promise<boolean> {
    // Sessions go with the account (ON DELETE CASCADE).
    const r = await this.pool.query("DELETE FROM accounts WHERE id = $1", [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async createSession(s: SessionRow): Promise<void> {
    await this.pool.query(
      "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
      [s.tokenHash, s.accountId, s.createdAt, s.expiresAt],
    );
    await this.pool.query("DELETE FROM sessions WHERE expires_at < $1", [s.createdAt]);
  }

  async findSession(tokenHash: string): Promise<{ account: AccountRow; expiresAt: number } | null> {
    const { rows } = await this.pool.query<Row & { session_expires: string }>({
      name: "session_by_token",
      text: `SELECT a.*, s.expires_at AS session_expires FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1`,
      values: [tokenHash],
    });
    // BIGINT arrives as a string (pg does not guess at precision); ms since the epoch fit a double.
    return rows[0] ? { account: toRow(rows[0]), expiresAt: Number(rows[0].session_expires) } : null;
  }

  async extendSession(tokenHash: string, expiresAt: number): Promise<void> {
    await this.pool.query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2", [
      expiresAt,
      tokenHash,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.pool.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);
  }

  async loginFailures(key: string, now: number): Promise<LoginFailures | null> {
    const { rows } = await this.pool.query<{ count: number; until: string }>(
      "SELECT count, until FROM login_failures WHERE key = $1 AND until > $2",
      [key, now],
    );
    return rows[0] ? { count: rows[0].count, until: Number(rows[0].until) } : null;
  }

  async addLoginFailure(key: string, now: number, windowMs: number): Promise<LoginFailures> {
    // One statement, so concurrent failures on several replicas all count (the row lock orders them).
    const { rows } = await this.pool.query<{ count: number; until: string }>(
      `INSERT INTO login_failures AS f (key, count, until) VALUES ($1, 1, $2::bigint + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET count = CASE WHEN f.until > $2::bigint THEN f.count + 1 ELSE 1 END,
         until = $2::bigint + $3::bigint
       RETURNING count, until`,
      [key, now, windowMs],
    );
    await this.pool.query("DELETE FROM login_failures WHERE until <= $1", [now]);
    return { count: rows[0].count, until: Number(rows[0].until) };
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.pool.query("DELETE FROM login_failures WHERE key = $1", [key]);
  }
}

/**
 * Migrates the "accounts" domain and returns the repository, on the process's shared handle or,
 * for a URL, on a handle of its own (`max` connections) that it closes.
 */
export async function openPostgresAccountRepository(
  target: PostgresDatabase | string,
  /** With a URL: its own pool's size, and the application_name its connections show in pg_stat_activity. */
  opts: { max?: number; applicationName?: string } = {},
): Promise<PostgresAccountRepository> {
  const { db, owned } = await migratedPostgresDatabase(
    target,
    {
      poolSize: opts.max ?? 4,
      applicationName: opts.applicationName,
    },
    "accounts",
    POSTGRES_ACCOUNT_MIGRATIONS,
  );
  return new PostgresAccountRepository(db, owned);
}
