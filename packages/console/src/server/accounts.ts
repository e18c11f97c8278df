import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { InvalidRequestError, NotFoundError } from "@seekdesk/core";
import { type Migration, migrateSqlite, type SqliteDatabase } from "@seekdesk/store";

/** Who may do what in the console. Checked on the server for every route, never only in the UI. */
export const ROLES = ["admin", "agent", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Account {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export interface Session {
  account: Account;
  expiresAt: number;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "accounts and sessions",
    up: `
      CREATE TABLE accounts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin','agent','viewer')),
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_account ON sessions(account_id);
    `,
  },
];

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  role: Role;
  disabled: number;
  created_at: string;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
});

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;
const MIN_PASSWORD = 8;
/** Session tokens are random and stored only as a SHA-256: a leaked database cannot log anyone in. */
const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/**
 * Console accounts with argon2id password hashes and server-side sessions. Sessions slide: each
 * use pushes the expiry forward, so an agent working all day stays signed in, an idle one does not.
 */
export class AccountStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly sessionTtlMs = 12 * 60 * 60 * 1000,
  ) {
    migrateSqlite(db, "accounts", MIGRATIONS);
  }

  async create(input: {
    username: string;
    password: string;
    role: Role;
    displayName?: string;
  }): Promise<Account> {
    if (!USERNAME.test(input.username)) {
      throw new InvalidRequestError("username must be 2-64 letters, digits or . _ @ -", "username");
    }
    if (input.password.length < MIN_PASSWORD) {
      throw new InvalidRequestError(`password must be at least ${MIN_PASSWORD} characters`, "password");
    }
    if (!isRole(input.role)) throw new InvalidRequestError(`role must be one of ${ROLES.join(", ")}`, "role");
    if (this.findByUsername(input.username)) {
      throw new InvalidRequestError(
        `an account named ${input.username} exists already`,
        "username",
        "conflict",
      );
    }
    const passwordHash = await hash(input.password);
    const row = this.db
      .prepare(
        "INSERT INTO accounts (username, display_name, password_hash, role) VALUES (?, ?, ?, ?) RETURNING *",
      )
      .get(input.username, input.displayName ?? input.username, passwordHash, input.role) as AccountRow;
    return toAccount(row);
  }

  list(): Account[] {
    return (this.db.prepare("SELECT * FROM accounts ORDER BY id").all() as AccountRow[]).map(toAccount);
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM accounts").get() as { n: number }).n;
  }

  get(id: number): Account {
    const row = this.db.prepare("SELECT * FROM accounts WHERE id = ?").get(id) as AccountRow | undefined;
    if (!row) throw new NotFoundError(`no account with id ${id}`, "account_not_found");
    return toAccount(row);
  }

  private findByUsername(username: string): AccountRow | undefined {
    return this.db.prepare("SELECT * FROM accounts WHERE username = ?").get(username) as
      | AccountRow
      | undefined;
  }

  update(id: number, patch: { role?: Role; disabled?: boolean; displayName?: string }): Account {
    const current = this.get(id);
    if (patch.role !== undefined && !isRole(patch.role)) {
      throw new InvalidRequestError(`role must be one of ${ROLES.join(", ")}`, "role");
    }
    const next = { ...current, ...patch };
    this.db
      .prepare("UPDATE accounts SET role = ?, disabled = ?, display_name = ? WHERE id = ?")
      .run(next.role, next.disabled ? 1 : 0, next.displayName, id);
    if (next.disabled) this.db.prepare("DELETE FROM sessions WHERE account_id = ?").run(id);
    return this.get(id);
  }

  async setPassword(id: number, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD) {
      throw new InvalidRequestError(`password must be at least ${MIN_PASSWORD} characters`, "password");
    }
    this.get(id);
    this.db.prepare("UPDATE accounts SET password_hash = ? WHERE id = ?").run(await hash(password), id);
    this.db.prepare("DELETE FROM sessions WHERE account_id = ?").run(id);
  }

  remove(id: number): void {
    this.get(id);
    this.db.prepare("DELETE FROM accounts WHERE id = ?").run(id);
  }

  /** Returns a session token for valid credentials, or null; the same answer for a wrong user or password. */
  async login(username: string, password: string): Promise<{ token: string; account: Account } | null> {
    const row = this.findByUsername(username);
    // Verify against a throwaway hash for unknown users so timing does not reveal which names exist.
    const ok = await verify(row?.password_hash ?? (await dummyHash()), password).catch(() => false);
    if (!row || !ok || row.disabled === 1) return null;
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    this.db
      .prepare("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .run(tokenHash(token), row.id, now, now + this.sessionTtlMs);
    this.db.prepare("DELETE FROM sessions WHERE expires_at < ?").run(now);
    return { token, account: toAccount(row) };
  }

  session(token: string | undefined): Session | null {
    if (!token) return null;
    const row = this.db
      .prepare(
        `SELECT a.*, s.expires_at AS session_expires FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ?`,
      )
      .get(tokenHash(token)) as (AccountRow & { session_expires: number }) | undefined;
    const now = Date.now();
    if (!row || row.session_expires < now || row.disabled === 1) return null;
    const expiresAt = now + this.sessionTtlMs;
    this.db
      .prepare("UPDATE sessions SET expires_at = ? WHERE token_hash = ?")
      .run(expiresAt, tokenHash(token));
    return { account: toAccount(row), expiresAt };
  }

  logout(token: string | undefined): void {
    if (token) this.db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(tokenHash(token));
  }
}

let dummy: Promise<string> | undefined;
const dummyHash = () => {
  dummy ??= hash(randomBytes(16).toString("hex"));
  return dummy;
};
