import { createHash, randomBytes } from "node:crypto";
import { ConflictError, InvalidRequestError, newId, StoreUnavailableError } from "@seekdesk/core";
import type { ApiKeyPatch, ApiKeyRepository, ApiKeyRow, ApiKeyWatch } from "@seekdesk/store";

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
  /** ISO 8601: from then on the key is refused as an unknown one would be; null: never. */
  expiresAt: string | null;
  /** Model ids or aliases the key may use (OpenAI API, gRPC); null: any. */
  models: string[] | null;
  /** ISO 8601: the latest use written so far (servers write uses about a minute late); null: none. */
  lastUsedAt: string | null;
}

const KEY_PREFIX = "sk-sd-";

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function toRecord(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    rpm: r.rpm,
    tpm: r.tpm,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
    scope: r.scope,
    origins: r.origins,
    expiresAt: r.expiresAt,
    models: r.models,
    lastUsedAt: r.lastUsedAt,
  };
}

/** Epoch milliseconds at which the key stops working; Infinity for a key that never expires. */
function expiryOf(r: { expiresAt: string | null }): number {
  return r.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(r.expiresAt);
}

export interface ApiKeyStoreOptions {
  /**
   * How long a looked-up key (or the absence of one) may be answered from memory. 0: every lookup
   * reads the repository (SQLite, where that costs microseconds). A change announced by the
   * repository's `watch` drops the entry at once; the lifetime bounds staleness when an
   * announcement is lost.
   */
  cacheTtlMs?: number;
  /** Most keys held in memory; the longest unread go first (a hot key is re-read every half life). */
  cacheSize?: number;
  /**
   * Most unknown (or revoked) key hashes remembered as such, held apart from the known keys so
   * that a flood of made-up keys can neither push real keys out nor grow memory (about 150 bytes
   * an entry: 10,000 is 1.5 MB). The oldest go first.
   */
  unknownCacheSize?: number;
  /** Told when a background refresh fails (the cached answer stays until it expires). */
  onError?: (err: unknown) => void;
  /** Told when writing the keys' latest uses failed (they are kept for the next write). */
  onUsageError?: (err: unknown) => void;
  /** Told of each change announced by the repository (the key's hash). */
  onChange?: (hash: string) => void;
  /** Told when change notifications were lost or (re)established; the cache was cleared either way. */
  onGap?: (reason: "lost" | "listening") => void;
}

interface CacheEntry {
  record: ApiKeyRecord;
  at: number;
  /** expiryOf(record), parsed once. */
  expires: number;
  refreshing: boolean;
}

/**
 * Default key cache lifetime on Postgres (config `store.keyCacheTtlMs`): the worst-case revocation
 * delay when a NOTIFY is lost.
 */
export const KEY_CACHE_TTL_MS = 5000;

/** How long uses gather in memory before they are written in one batch (docs/API.md: "once a minute"). */
const USAGE_WRITE_MS = 60_000;

/**
 * API keys, hashed, over an ApiKeyRepository (SQLite file or Postgres). On SQLite every lookup
 * reads the file, so a key revoked with `seekdesk keys revoke` stops working on the next request.
 * On Postgres lookups are answered from a per-replica cache: an entry is refreshed in the
 * background once half its lifetime has passed (a steady caller never waits for the database),
 * never served past its lifetime, and dropped as soon as Postgres announces a change to that
 * key (the table's trigger NOTIFYs; see ApiKeyRepository.watch).
 */
export class ApiKeyStore {
  /** Milliseconds a lookup is answered from memory; 0: never cached. */
  readonly ttl: number;
  private readonly maxEntries: number;
  private readonly maxUnknown: number;
  /** Active keys by hash, in the order they were read. */
  private readonly cache = new Map<string, CacheEntry>();
  /**
   * Hashes that matched no active key, with when that was read, oldest first. Never
   * refreshed in the background (nobody needs them kept warm): one read per hash per lifetime,
   * however often it is tried, and dropped at once when a key with that hash is announced.
   */
  private readonly unknown = new Map<string, number>();
  private readonly loading = new Map<string, Promise<ApiKeyRecord | null>>();
  /** Hashes whose lookup in flight started before a change to them: its answer must not be cached. */
  private readonly stale = new Set<string>();
  private watching: ApiKeyWatch | null = null;
  private opened: Promise<void> | null = null;
  /** Keys used since the last write, with when (epoch ms): one write a minute, not one per request. */
  private readonly uses = new Map<string, number>();
  private usageTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly repo: ApiKeyRepository,
    private readonly opts: ApiKeyStoreOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? (repo.kind === "sqlite" ? 0 : KEY_CACHE_TTL_MS);
    this.maxEntries = opts.cacheSize ?? 10_000;
    this.maxUnknown = opts.unknownCacheSize ?? 10_000;
  }

  /** Entries held in memory now: active keys and hashes remembered as unknown. */
  cached(): { keys: number; unknown: number } {
    return { keys: this.cache.size, unknown: this.unknown.size };
  }

  /** Migrates, starts listening for changes (cached stores) and learns whether keys exist. Idempotent. */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await this.repo.open();
      if (this.ttl > 0 && this.repo.watch && !this.watching) {
        this.watching = this.repo.watch({
          changed: (hash) => {
            this.cache.delete(hash);
            this.unknown.delete(hash);
            if (this.loading.has(hash)) this.stale.add(hash);
            this.sawKey = true;
            this.opts.onChange?.(hash);
          },
          gap: (reason) => {
            this.cache.clear();
            this.unknown.clear();
            for (const hash of this.loading.keys()) this.stale.add(hash);
            this.opts.onGap?.(reason);
          },
        });
      }
      // Listening before the first lookup: the gap reported when LISTEN takes effect then finds nothing to drop.
      await this.watching?.started;
      this.sawKey ||= await this.repo.anyExists();
    })().catch((err: unknown) => {
      this.opened = null;
      throw err;
    });
    return this.opened;
  }

  async close(): Promise<void> {
    await this.writeUses().catch((err: unknown) => this.opts.onUsageError?.(err));
    await this.watching?.stop();
    this.watching = null;
    await this.repo.close();
  }

  /**
   * Creates a key; the returned `key` is shown once and cannot be recovered. `origins` must be
   * origins (see `toOrigin`); they are stored normalised, and an empty list means any origin.
   */
  async create(opts: NewKeyOptions = {}): Promise<{ key: string; record: ApiKeyRecord }> {
    const made = newKey(opts);
    await this.repo.insert(made.row);
    this.known(made.row.hash);
    this.sawKey = true;
    return { key: made.key, record: toRecord(made.row) };
  }

  /**
   * Creates a key only if none exists yet (revoked ones count), atomically across processes and
   * replicas: the bootstrap key of pods that start together. Null when keys exist.
   */
  async createFirst(opts: NewKeyOptions = {}): Promise<{ key: string; record: ApiKeyRecord } | null> {
    const made = newKey(opts);
    if (!(await this.repo.insertIfNone(made.row))) return null;
    this.known(made.row.hash);
    this.sawKey = true;
    return { key: made.key, record: toRecord(made.row) };
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.repo.list()).map(toRecord);
  }

  /** Returns false when no key has that id; revoking twice keeps the first revocation time. */
  async revoke(id: string): Promise<boolean> {
    const found = await this.repo.revoke(id, new Date().toISOString());
    // This replica stops honouring the key now, without waiting for its own notification.
    if (found) this.forget(id);
    return found;
  }

  /**
   * Changes a key's name, limits, origins, expiry or models in place (the secret stays, so clients
   * need nothing new); null when no key has that id. This replica applies it at once; on Postgres
   * the others drop their cached copy when the change's notification arrives.
   */
  async update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | null> {
    const row = activeOrConflict(id, await this.repo.update(id, checkedPatch(changes)));
    if (row) this.forget(id);
    return row ? toRecord(row) : null;
  }

  /**
   * Gives a key a new secret, shown once, for a secret that leaked or is due for rotation: the old
   * one is refused from the next request (on Postgres, on other replicas when the change is
   * announced), while the id, name, limits and usage history stay. Null when no key has that id.
   */
  async rotate(id: string): Promise<{ key: string; record: ApiKeyRecord } | null> {
    const secret = newSecret();
    const row = activeOrConflict(id, await this.repo.replaceSecret(id, secret));
    if (!row) return null;
    this.forget(id);
    this.known(secret.hash);
    return { key: secret.key, record: toRecord(row) };
  }

  /** Drops this replica's cached copy of the key with that id, and any lookup of it in flight. */
  private forget(id: string): void {
    for (const [hash, e] of this.cache) if (e.record.id === id) this.cache.delete(hash);
    for (const hash of this.loading.keys()) this.stale.add(hash);
  }

  /**
   * The active key matching `key`, or null (unknown, revoked or expired). Synchronous when answered from
   * the cache or SQLite, so the common request allocates no promise here.
   */
  verify(key: string): ApiKeyRecord | null | Promise<ApiKeyRecord | null> {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const hash = hashKey(key);
    if (this.ttl === 0) {
      const row = this.repo.findByHash(hash);
      return row instanceof Promise ? row.then(active) : active(row);
    }
    const now = Date.now();
    const e = this.cache.get(hash);
    if (e) {
      // Expiry needs no announcement: a cached key stops working at its time, not a lifetime later.
      if (now >= e.expires) return null;
      const age = now - e.at;
      if (age < this.ttl) {
        if (age >= this.ttl / 2 && !e.refreshing) {
          e.refreshing = true;
          this.load(hash).catch((err: unknown) => {
            e.refreshing = false;
            this.opts.onError?.(err);
          });
        }
        return e.record;
      }
    }
    const at = this.unknown.get(hash);
    if (at !== undefined && now - at < this.ttl) return null;
    return this.load(hash);
  }

  /** Notes that the key with this id was just used; `writeUses` records it (on a timer, and at close). */
  noteUse(id: string): void {
    this.uses.set(id, Date.now());
    this.usageTimer ??= setTimeout(() => {
      this.usageTimer = null;
      this.writeUses().catch((err: unknown) => this.opts.onUsageError?.(err));
    }, USAGE_WRITE_MS).unref();
  }

  /** Writes the uses noted since the last write; on failure they are kept for the next one. */
  async writeUses(): Promise<void> {
    if (this.usageTimer) clearTimeout(this.usageTimer);
    this.usageTimer = null;
    if (this.uses.size === 0) return;
    const batch = [...this.uses].map(([id, at]) => ({ id, at: new Date(at).toISOString() }));
    this.uses.clear();
    try {
      await this.repo.markUsed(batch);
    } catch (err) {
      // A use noted meanwhile is newer than the one that failed.
      for (const { id, at } of batch) if (!this.uses.has(id)) this.uses.set(id, Date.parse(at));
      throw err;
    }
  }

  /** This process made a key with `hash`: it must not be answered as unknown from memory. */
  private known(hash: string): void {
    this.unknown.delete(hash);
    if (this.loading.has(hash)) this.stale.add(hash);
  }

  /** One database read per hash at a time, whatever the number of callers waiting for it. */
  private load(hash: string): Promise<ApiKeyRecord | null> {
    let p = this.loading.get(hash);
    if (p) return p;
    p = (async () => {
      try {
        const record = active(await this.repo.findByHash(hash));
        if (!this.stale.has(hash)) {
          this.cache.delete(hash);
          this.unknown.delete(hash);
          if (record)
            remember(
              this.cache,
              hash,
              { record, at: Date.now(), expires: expiryOf(record), refreshing: false },
              this.maxEntries,
            );
          else remember(this.unknown, hash, Date.now(), this.maxUnknown);
        }
        return record;
      } catch (err) {
        // A code of its own (documented): callers with cached keys are still served, so the code
        // says it was this key's lookup that could not be made.
        if (err instanceof StoreUnavailableError)
          throw new StoreUnavailableError(err.reason, {
            message: "The API key store is unavailable; retry the request shortly",
            code: "key_store_unavailable",
            cause: err.cause,
          });
        throw err;
      } finally {
        this.loading.delete(hash);
        this.stale.delete(hash);
      }
    })();
    this.loading.set(hash, p);
    return p;
  }

  /** Once any key was ever created, the server requires one (revoking all keys does not open it). */
  enforced(): boolean {
    // Keys are never deleted (revoked only), so once true it stays true: skip the query then.
    // While there are none, look again at most once a second: a key made with `seekdesk keys
    // create` (another process or replica) is enforced within a second, at no per-request query
    // cost (on Postgres its announcement enforces it at once).
    if (this.sawKey) return true;
    const now = Date.now();
    if (now - this.checkedAt < 1000) return false;
    this.checkedAt = now;
    const any = this.repo.anyExists();
    if (any instanceof Promise)
      any.then(
        (v) => {
          this.sawKey ||= v;
        },
        (err: unknown) => this.opts.onError?.(err),
      );
    else this.sawKey = any;
    return this.sawKey;
  }
  private sawKey = false;
  private checkedAt = 0;
}

/** Adds `key` as the newest entry (a Map iterates in insertion order), dropping the oldest beyond `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}

/** The row as a record if it may be used now: neither revoked nor expired. */
function active(row: ApiKeyRow | null): ApiKeyRecord | null {
  return row && row.revokedAt === null && Date.now() < expiryOf(row) ? toRecord(row) : null;
}

export interface NewKeyOptions {
  name?: string;
  rpm?: number | null;
  tpm?: number | null;
  scope?: KeyScope;
  origins?: readonly string[] | null;
  /** When the key stops working (a future time); absent or null: never. */
  expiresAt?: Date | null;
  /** Model ids or aliases the key may use; absent, null or empty: any. */
  models?: readonly string[] | null;
}

/** `origins` checked and normalised: null for none (any origin). */
function checkedOrigins(list: readonly string[] | null | undefined): string[] | null {
  const origins = (list ?? []).map((o) => {
    const origin = toOrigin(o);
    if (!origin)
      throw new InvalidRequestError(
        `'${o}' is not an origin: expected scheme://host[:port] without a path, e.g. https://shop.example.com`,
        "origins",
      );
    return origin;
  });
  return origins.length > 0 ? [...new Set(origins)] : null;
}

/** `expiresAt` checked (a valid time in the future) as ISO 8601; null for never. */
function checkedExpiry(at: Date | null | undefined): string | null {
  if (at === null || at === undefined) return null;
  if (!(at.getTime() > Date.now()))
    throw new InvalidRequestError(
      Number.isNaN(at.getTime()) ? "expiresAt is not a valid time" : "expiresAt must be in the future",
      "expiresAt",
    );
  return at.toISOString();
}

/** `models` trimmed and deduplicated; null for none (any model). */
function checkedModels(list: readonly string[] | null | undefined): string[] | null {
  const models = [...new Set((list ?? []).map((m) => m.trim()))];
  if (models.some((m) => m === "" || m.length > 200))
    throw new InvalidRequestError("models: each model id must be 1 to 200 characters", "models");
  return models.length > 0 ? models : null;
}

/** The row of a change, or 409 when the key was revoked (the store left it as it was). */
function activeOrConflict(id: string, row: ApiKeyRow | null): ApiKeyRow | null {
  if (row?.revokedAt)
    throw new ConflictError(
      `Key ${id} was revoked at ${row.revokedAt} and can no longer be changed; create a new key instead`,
      "key_revoked",
    );
  return row;
}

/** A fresh 256-bit secret, with what is stored of it: its hash and first characters. */
function newSecret(): { key: string; hash: string; prefix: string } {
  const key = KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, hash: hashKey(key), prefix: key.slice(0, KEY_PREFIX.length + 6) };
}

function newKey(opts: NewKeyOptions): { key: string; row: ApiKeyRow } {
  const scope = opts.scope ?? "api";
  if (!KEY_SCOPES.includes(scope)) throw new InvalidRequestError(`Unknown key scope '${scope}'`, "scope");
  const origins = checkedOrigins(opts.origins);
  const expiresAt = checkedExpiry(opts.expiresAt);
  const models = checkedModels(opts.models);
  const { key, hash, prefix } = newSecret();
  return {
    key,
    row: {
      id: newId("key_", 6),
      name: opts.name ?? "default",
      hash,
      prefix,
      rpm: opts.rpm ?? null,
      tpm: opts.tpm ?? null,
      createdAt: new Date().toISOString(),
      revokedAt: null,
      scope,
      origins,
      expiresAt,
      models,
      lastUsedAt: null,
    },
  };
}

/** What `ApiKeyStore.update` may change; absent fields are kept, null clears (unlimited, any, never). */
export type KeyChanges = Partial<
  Pick<NewKeyOptions, "name" | "rpm" | "tpm" | "origins" | "expiresAt" | "models">
>;

function checkedPatch(c: KeyChanges): ApiKeyPatch {
  const patch: ApiKeyPatch = {};
  if (c.name !== undefined) patch.name = c.name;
  if (c.rpm !== undefined) patch.rpm = c.rpm;
  if (c.tpm !== undefined) patch.tpm = c.tpm;
  if (c.origins !== undefined) patch.origins = checkedOrigins(c.origins);
  if (c.expiresAt !== undefined) patch.expiresAt = checkedExpiry(c.expiresAt);
  if (c.models !== undefined) patch.models = checkedModels(c.models);
  return patch;
}
