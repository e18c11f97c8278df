import { migrateSqlite } from "../migrations.ts";
import type { SqliteDatabase } from "../sqlite.ts";
import { SQLITE_ACCOUNT_MIGRATIONS } from "./schema.ts";
import type { AccountRepository, AccountRow, LoginFailures, NewAccountRow, SessionRow } from "./types.ts";

interface Row {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: string;
}

const toRow = (r: Row): AccountRow => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  role: r.role,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
});

/** Console accounts and sessions in the server's SQLite file (shared with `seekdesk accounts`). */
export class SqliteAccountRepository implements AccountRepository {
  readonly kind = "sqlite" as const;

  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "accounts", SQLITE_ACCOUNT_MIGRATIONS);
  }

  async insert(a: NewAccountRow): Promise<AccountRow | null> {
    const row = this.db
      .prepare(
        `INSERT INTO accounts (username, display_name, password_hash, role) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO NOTHING RETURNING *`,
      )
      .get(a.username, a.displayName, a.passwordHash, a.role) as Row | undefined;
    return row ? toRow(row) : null;
  }

  async list(): Promise<AccountRow[]> {
    return (this.db.prepare("SELECT * FROM accounts ORDER BY id").all() as Row[]).map(toRow);
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT count(*) AS n FROM accounts").get() as { n: number }).n;
  }

  async get(id: number): Promise<AccountRow | null> {
    const row = this.db.prepare("SELECT * FROM accounts WHERE id = ?").get(id) as Row | undefined;
    return row ? toRow(row) : null;
  }

  async findByUsername(username: string): Promise<AccountRow | null> {
    const row = this.db.prepare("SELECT * FROM accounts WHERE username = ?").get(username) as Row | undefined;
    return row ? toRow(row) : null;
  }

  async update(
    id: number,
    patch: { role: string; disabled: boolean; displayName: string },
  ): Promise<AccountRow | null> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare("UPDATE accounts SET role = ?, disabled = ?, display_name = ? WHERE id = ? RETURNING *")
        .get(patch.role, patch.disabled ? 1 : 0, patch.displayName, id) as Row | undefined;
      if (row && patch.disabled) this.db.prepare("DELETE FROM sessions WHERE account_id = ?").run(id);
      return row ? toRow(row) : null;
    })();
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    return this.db.transaction(() => {
      const n = this.db
        .prepare("UPDATE accounts SET password_hash = ? WHERE id = ?")
        .run(passwordHash, id).changes;
      this.db.prepare("DELETE FROM sessions WHERE account_id = ?").run(id);
      return n > 0;
    })();
  }

  async remove(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare("DELETE FROM sessions WHERE account_id = ?").run(id);
      return this.db.prepare("DELETE FROM accounts WHERE id = ?").run(id).changes > 0;
    })();
  }

  async createSession(s: SessionRow): Promise<void> {
    this.db
      .prepare("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .run(s.tokenHash, s.accountId, s.createdAt, s.expiresAt);
    this.db.prepare("DELETE FROM sessions WHERE expires_at < ?").run(s.createdAt);
  }

  async findSession(tokenHash: string): Promise<{ account: AccountRow; expiresAt: number } | null> {
    const row = this.db
      .prepare(
        `SELECT a.*, s.expires_at AS session_expires FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ?`,
      )
      .get(tokenHash) as (Row & { session_expires: number }) | undefined;
    return row ? { account: toRow(row), expiresAt: row.session_expires } : null;
  }

  async extendSession(tokenHash: string, expiresAt: number): Promise<void> {
    this.db.prepare("UPDATE sessions SET expires_at = ? WHERE token_hash = ?").run(expiresAt, tokenHash);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(tokenHash);
  }

  async loginFailures(key: string, now: number): Promise<LoginFailures | null> {
    const row = this.db
      .prepare("SELECT count, until FROM login_failures WHERE key = ? AND until > ?")
      .get(key, now) as LoginFailures | undefined;
    return row ?? null;
  }

  async addLoginFailure(key: string, now: number, windowMs: number): Promise<LoginFailures> {
    return this.db.transaction(() => {
      this.db.prepare("DELETE FROM login_failures WHERE until <= ?").run(now);
      return this.db
        .prepare(
          `INSERT INTO login_failures (key, count, until) VALUES (?, 1, ?)
           ON CONFLICT (key) DO UPDATE SET count = count + 1, until = excluded.until RETURNING count, until`,
        )
        .get(key, now + windowMs) as LoginFailures;
    })();
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.db.prepare("DELETE FROM login_failures WHERE key = ?").run(key);
  }

  /** The database belongs to whoever opened it. */
  async close(): Promise<void> {}
}
