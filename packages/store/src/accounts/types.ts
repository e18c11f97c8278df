/** A console account as stored; the password only as an argon2id hash. */
export interface AccountRow {
  id: number;
  username: string;
  displayName: string;
  passwordHash: string;
  /** admin, agent or viewer (the console owns the meaning; the schema checks the spelling). */
  role: string;
  disabled: boolean;
  /** ISO 8601. */
  createdAt: string;
}

export interface NewAccountRow {
  username: string;
  displayName: string;
  passwordHash: string;
  role: string;
}

/** A signed-in session: the token only as its SHA-256; times in ms since the epoch. */
export interface SessionRow {
  tokenHash: string;
  accountId: number;
  createdAt: number;
  expiresAt: number;
}

/** Failed sign-ins in the current window; shared by replicas, so N replicas do not allow N times the guesses. */
export interface LoginFailures {
  count: number;
  /** ms since the epoch. */
  until: number;
}

/**
 * Console accounts and their server-side sessions: the SQLite file of one server, or Postgres
 * shared by every replica (so a sign-in on one is valid on the next). Usernames are unique
 * regardless of case.
 */
export interface AccountRepository {
  readonly kind: "sqlite" | "postgres";
  /** Null when the username is taken (in any case). */
  insert(account: NewAccountRow): Promise<AccountRow | null>;
  list(): Promise<AccountRow[]>;
  count(): Promise<number>;
  get(id: number): Promise<AccountRow | null>;
  /** Case-insensitive. */
  findByUsername(username: string): Promise<AccountRow | null>;
  /** Null when no account has that id. Disabling ends the account's sessions in the same transaction. */
  update(
    id: number,
    patch: { role: string; disabled: boolean; displayName: string },
  ): Promise<AccountRow | null>;
  /** Replaces the hash and ends the account's sessions; false when no account has that id. */
  setPasswordHash(id: number, passwordHash: string): Promise<boolean>;
  /** Deletes the account and its sessions; false when no account has that id. */
  remove(id: number): Promise<boolean>;
  /** Stores a session and deletes those expired before its creation. */
  createSession(session: SessionRow): Promise<void>;
  /** The session with its account, expired or not; null when unknown. */
  findSession(tokenHash: string): Promise<{ account: AccountRow; expiresAt: number } | null>;
  extendSession(tokenHash: string, expiresAt: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Failed sign-ins recorded under `key` (e.g. username and address) whose window is still open at `now`. */
  loginFailures(key: string, now: number): Promise<LoginFailures | null>;
  /** Counts one more failure under `key`: a window still open at `now` grows by one, else a new one starts; both end `windowMs` after `now`. */
  addLoginFailure(key: string, now: number, windowMs: number): Promise<LoginFailures>;
  clearLoginFailures(key: string): Promise<void>;
  close(): Promise<void>;
}
