import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidRequestError, newId } from "@seekdesk/core";
import { type Migration, migrateSqlite, type SqliteDatabase } from "@seekdesk/store";

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "api keys",
    up: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      -- SHA-256 of the whole key: keys are 256-bit random, so a fast hash is enough (no dictionary to attack)
      hash TEXT NOT NULL UNIQUE,
      -- the first characters, shown in listings so an operator can tell keys apart
      prefix TEXT NOT NULL,
      rpm INTEGER,
      tpm INTEGER,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`,
  },
  {
    version: 2,
    name: "key scope and allowed origins",
    // Existing keys keep full API access; `origins` is a JSON array, null meaning any origin.
    up: `ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'api' CHECK (scope IN ('api', 'widget'));
      ALTER TABLE api_keys ADD COLUMN origins TEXT;`,
  },
];

/**
 * What a key opens. `api`: every route (OpenAI API, gRPC, integrations). `widget`: only the
 * customer conversation routes, because a widget key is public (it sits in a web page).
 */
export const KEY_SCOPES = ["api", "widget"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/**
 * The origin a browser would send for `value` (`https://shop.example.com`, `http://localhost:8080`),
 * or null when `value` is not one: only http(s), a host, an optional port, no path, query or user.
 */
export function toOrigin(value: string): string | null {
  const v = value.trim();
  if (!/^https?:\/\/[^/\\?#@\s]+\/?$/i.test(v)) return null;
  try {
    const url = new URL(v);
    return url.hostname ? url.origin : null;
  } catch {
    return null;
  }
}

/** A stored key as listings show it; the secret itself is never stored. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  /** Requests per minute; null means unlimited. */
  rpm: number | null;
  /** Tokens (prompt + generated) per minute; null means unlimited. */
  tpm: number | null;
  createdAt: string;
  revokedAt: string | null;
  scope: KeyScope;
  /** Browser origins the key may be used from (checked when a request carries `Origin`); null: any. */
  origins: string[] | null;
}

interface Row {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  rpm: number | null;
  tpm: number | null;
  created_at: string;
  revoked_at: string | null;
  scope: KeyScope;
  origins: string | null;
}

const KEY_PREFIX = "sk-sd-";

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    rpm: r.rpm,
    tpm: r.tpm,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    scope: r.scope,
    origins: r.origins === null ? null : (JSON.parse(r.origins) as string[]),
  };
}

/**
 * API keys in SQLite, hashed. The server and `seekdesk keys` share the file, so lookups go to
 * the database every time (a prepared statement on an indexed column: microseconds) and a key
 * revoked from the CLI stops working on the next request.
 */
export class ApiKeyStore {
  private readonly byHash;
  private readonly anyKey;

  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "keys", MIGRATIONS);
    this.byHash = db.prepare<[string], Row>("SELECT * FROM api_keys WHERE hash = ?");
    this.anyKey = db.prepare<[], { n: number }>("SELECT EXISTS (SELECT 1 FROM api_keys) AS n");
  }

  /**
   * Creates a key; the returned `key` is shown once and cannot be recovered. `origins` must be
   * origins (see `toOrigin`); they are stored normalised, and an empty list means any origin.
   */
  create(
    opts: {
      name?: string;
      rpm?: number | null;
      tpm?: number | null;
      scope?: KeyScope;
      origins?: readonly string[] | null;
    } = {},
  ): {
    key: string;
    record: ApiKeyRecord;
  } {
    const scope = opts.scope ?? "api";
    if (!KEY_SCOPES.includes(scope)) throw new InvalidRequestError(`Unknown key scope '${scope}'`, "scope");
    const origins = (opts.origins ?? []).map((o) => {
      const origin = toOrigin(o);
      if (!origin)
        throw new InvalidRequestError(
          `'${o}' is not an origin: expected scheme://host[:port] without a path, e.g. https://shop.example.com`,
          "origins",
        );
      return origin;
    });
    const key = KEY_PREFIX + randomBytes(32).toString("base64url");
    const row: Row = {
      id: newId("key_", 6),
      name: opts.name ?? "default",
      hash: hashKey(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      rpm: opts.rpm ?? null,
      tpm: opts.tpm ?? null,
      created_at: new Date().toISOString(),
      revoked_at: null,
      scope,
      origins: origins.length > 0 ? JSON.stringify([...new Set(origins)]) : null,
    };
    this.sawKey = true;
    this.db
      .prepare(
        "INSERT INTO api_keys (id, name, hash, prefix, rpm, tpm, created_at, revoked_at, scope, origins) VALUES (@id, @name, @hash, @prefix, @rpm, @tpm, @created_at, @revoked_at, @scope, @origins)",
      )
      .run(row);
    return { key, record: toRecord(row) };
  }

  list(): ApiKeyRecord[] {
    return (this.db.prepare("SELECT * FROM api_keys ORDER BY created_at, id").all() as Row[]).map(toRecord);
  }

  /** Returns false when no key has that id; revoking twice keeps the first revocation time. */
  revoke(id: string): boolean {
    const found = this.db.prepare("SELECT id FROM api_keys WHERE id = ?").get(id);
    if (!found) return false;
    this.db
      .prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .run(new Date().toISOString(), id);
    return true;
  }

  /** The active key matching `key`, or null (unknown or revoked). */
  verify(key: string): ApiKeyRecord | null {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const hash = hashKey(key);
    const row = this.byHash.get(hash);
    // The lookup is by hash, so timing reveals nothing about the key; the compare guards a collision-free index anyway.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return null;
    return row.revoked_at === null ? toRecord(row) : null;
  }

  /** Once any key was ever created, the server requires one (revoking all keys does not open it). */
  enforced(): boolean {
    // Keys are never deleted (revoked only), so once true it stays true: skip the query then.
    // While there are none, look again at most once a second: a key made with `seekdesk keys
    // create` (another process) is enforced within a second, at no per-request query cost.
    if (this.sawKey) return true;
    const now = Date.now();
    if (now - this.checkedAt < 1000) return false;
    this.checkedAt = now;
    this.sawKey = (this.anyKey.get()?.n ?? 0) > 0;
    return this.sawKey;
  }
  private sawKey = false;
  private checkedAt = 0;
}
