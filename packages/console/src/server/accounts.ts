import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { InvalidRequestError, NotFoundError, type SeekdeskConfig } from "@seekdesk/core";
import {
  type AccountRepository,
  type AccountRow,
  openPostgresAccountRepository,
  type PostgresDatabase,
  SqliteAccountRepository,
  type SqliteDatabase,
} from "@seekdesk/store";

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

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.displayName,
  role: r.role as Role,
  disabled: r.disabled,
  createdAt: r.createdAt,
});

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;
const MIN_PASSWORD = 8;
/** Session tokens are random and stored only as a SHA-256: a leaked database cannot log anyone in. */
const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** A session's expiry is written back only when it would move by more than this: not on every request. */
const SLIDE_GRANULARITY_MS = 60_000;

/**
 * Console accounts with argon2id password hashes and server-side sessions, over an
 * AccountRepository (the SQLite file, or Postgres so that a sign-in is valid on every replica).
 * Sessions slide: use pushes the expiry forward, so an agent working all day stays signed in, an
 * idle one does not.
 */
export class AccountStore {
  constructor(
    readonly repo: AccountRepository,
    private readonly sessionTtlMs = 12 * 60 * 60 * 1000,
  ) {}

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
    const taken = () =>
      new InvalidRequestError(`an account named ${input.username} exists already`, "username", "conflict");
    // Checked before hashing too, so a taken name answers without spending an argon2 hash.
    if (await this.repo.findByUsername(input.username)) throw taken();
    const row = await this.repo.insert({
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await hash(input.password),
      role: input.role,
    });
    if (!row) throw taken();
    return toAccount(row);
  }

  async list(): Promise<Account[]> {
    return (await this.repo.list()).map(toAccount);
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async get(id: number): Promise<Account> {
    const row = await this.repo.get(id);
    if (!row) throw new NotFoundError(`no account with id ${id}`, "account_not_found");
    return toAccount(row);
  }

  /** Disabling an account ends its sessions. */
  async update(
    id: number,
    patch: { role?: Role; disabled?: boolean; displayName?: string },
  ): Promise<Account> {
    const current = await this.get(id);
    if (patch.role !== undefined && !isRole(patch.role)) {
      throw new InvalidRequestError(`role must be one of ${ROLES.join(", ")}`, "role");
    }
    const next = { ...current, ...patch };
    const row = await this.repo.update(id, {
      role: next.role,
      disabled: next.disabled,
      displayName: next.displayName,
    });
    if (!row) throw new NotFoundError(`no account with id ${id}`, "account_not_found");
    return toAccount(row);
  }

  /** Replaces the password and ends the account's sessions. */
  async setPassword(id: number, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD) {
      throw new InvalidRequestError(`password must be at least ${MIN_PASSWORD} characters`, "password");
    }
    await this.get(id);
    if (!(await this.repo.setPasswordHash(id, await hash(password))))
      throw new NotFoundError(`no account with id ${id}`, "account_not_found");
  }

  async remove(id: number): Promise<void> {
    if (!(await this.repo.remove(id)))
      throw new NotFoundError(`no account with id ${id}`, "account_not_found");
  }

  /** Returns a session token for valid credentials, or null; the same answer for a wrong user or password. */
  async login(username: string, password: string): Promise<{ token: string; account: Account } | null> {
    const row = await this.repo.findByUsername(username);
    // Verify against a throwaway hash for unknown users so timing does not reveal which names exist.
    const ok = await verify(row?.passwordHash ?? (await dummyHash()), password).catch(() => false);
    if (!row || !ok || row.disabled) return null;
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    await this.repo.createSession({
      tokenHash: tokenHash(token),
      accountId: row.id,
      createdAt: now,
      expiresAt: now + this.sessionTtlMs,
    });
    return { token, account: toAccount(row) };
  }

  /** The session of `token`, or null (unknown, expired, signed out, account disabled). */
  async session(token: string | undefined): Promise<Session | null> {
    if (!token) return null;
    const th = tokenHash(token);
    const found = await this.repo.findSession(th);
    const now = Date.now();
    if (!found || found.expiresAt < now || found.account.disabled) return null;
    const expiresAt = now + this.sessionTtlMs;
    if (expiresAt - found.expiresAt < SLIDE_GRANULARITY_MS)
      return { account: toAccount(found.account), expiresAt: found.expiresAt };
    await this.repo.extendSession(th, expiresAt);
    return { account: toAccount(found.account), expiresAt };
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.repo.deleteSession(tokenHash(token));
  }

  close(): Promise<void> {
    return this.repo.close();
  }
}

let dummy: Promise<string> | undefined;
const dummyHash = () => {
  dummy ??= hash(randomBytes(16).toString("hex"));
  return dummy;
};

/**
 * Accounts live where the conversations do (`store.driver`): the server's SQLite file, or
 * Postgres so that every replica knows every account and session (through `postgres`, the
 * gateway's shared handle, when given).
 */
export async function openAccountStore(
  config: SeekdeskConfig,
  db: SqliteDatabase,
  postgres: PostgresDatabase | null = null,
): Promise<AccountStore> {
  if (config.store.driver === "postgres")
    return new AccountStore(await openPostgresAccountRepository(postgres ?? (config.store.url as string)));
  return new AccountStore(new SqliteAccountRepository(db));
}
