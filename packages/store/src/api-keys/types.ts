/** A value, or a promise of it: SQLite answers at once, Postgres over the network. */
export type Awaitable<T> = T | Promise<T>;

/** One stored API key; the secret itself is never stored, only its SHA-256 (`hash`). */
export interface ApiKeyRow {
  id: string;
  name: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  /** The key's first characters, shown in listings. */
  prefix: string;
  rpm: number | null;
  tpm: number | null;
  /** ISO 8601. */
  createdAt: string;
  revokedAt: string | null;
  scope: "api" | "widget";
  /** Normalised browser origins; null means any. */
  origins: string[] | null;
  /** ISO 8601: the key stops working then; null means never. */
  expiresAt: string | null;
  /** Model ids (or aliases) the key may use on the OpenAI API and gRPC; null means any. */
  models: string[] | null;
  /**
   * ISO 8601: the latest use recorded (servers write uses in batches, about a minute late); null:
   * never used. Not an INSERT column: a new key has not been used.
   */
  lastUsedAt: string | null;
}

/** What identifies a key's secret: a new one replaces both (`replaceSecret`). */
export type ApiKeySecret = Pick<ApiKeyRow, "hash" | "prefix">;

/** A key's latest use as one server saw it (`markUsed`). */
export interface ApiKeyUse {
  id: string;
  /** ISO 8601. */
  at: string;
}

/**
 * `k` as the values of the stores' INSERT columns (`API_KEY_COLUMNS`), in that order.
 */
export const apiKeyColumnValues = (k: ApiKeyRow) =>
  [
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
    k.expiresAt,
    k.models === null ? null : JSON.stringify(k.models),
  ] as const;

/** The INSERT column list of both stores' api_keys tables, matching `apiKeyColumnValues`. */
export const API_KEY_COLUMNS =
  "id, name, hash, prefix, rpm, tpm, created_at, revoked_at, scope, origins, expires_at, models";

/** What `update` may change on a key (its secret, scope and history stay): absent fields are kept. */
export type ApiKeyPatch = Partial<
  Pick<ApiKeyRow, "name" | "rpm" | "tpm" | "origins" | "expiresAt" | "models">
>;

/** The patch's fields as `column = value` pairs for an UPDATE, in the stores' encodings. */
export function apiKeyPatchColumns(p: ApiKeyPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (p.name !== undefined) out.push(["name", p.name]);
  if (p.rpm !== undefined) out.push(["rpm", p.rpm]);
  if (p.tpm !== undefined) out.push(["tpm", p.tpm]);
  if (p.origins !== undefined) out.push(["origins", p.origins === null ? null : JSON.stringify(p.origins)]);
  if (p.expiresAt !== undefined) out.push(["expires_at", p.expiresAt]);
  if (p.models !== undefined) out.push(["models", p.models === null ? null : JSON.stringify(p.models)]);
  return out;
}

/** A new secret as `column = value` pairs for an UPDATE. */
export const apiKeySecretColumns = (s: ApiKeySecret): [column: string, value: unknown][] => [
  ["hash", s.hash],
  ["prefix", s.prefix],
];

/** What a cache in front of the repository is told by `watch`. */
export interface ApiKeyChangeSink {
  /** The key with this hash was created, revoked or otherwise changed (in any process). */
  changed(hash: string): void;
  /**
   * Changes may have been missed: the notification connection was `lost`, or is `listening`
   * (again). Forget everything cached.
   */
  gap(reason: "lost" | "listening"): void;
}

export interface ApiKeyWatch {
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where API keys live: the SQLite file of one server, or Postgres shared by every replica.
 * Keys are never deleted, only revoked.
 */
export interface ApiKeyRepository {
  readonly kind: "sqlite" | "postgres";
  /** Resolves once the schema is migrated; the other methods wait for it. */
  open(): Promise<void>;
  insert(row: ApiKeyRow): Promise<void>;
  /** Inserts `row` only if no key exists at all, atomically across processes; says whether it did. */
  insertIfNone(row: ApiKeyRow): Promise<boolean>;
  list(): Promise<ApiKeyRow[]>;
  /** Marks the key revoked at `at` unless it already was; false when no key has that id. */
  revoke(id: string, at: string): Promise<boolean>;
  /**
   * Changes the patch's fields of the active key with that id: the key as it now is, a revoked
   * key as it was (unchanged: its `revokedAt` says why), or null when no key has that id.
   */
  update(id: string, patch: ApiKeyPatch): Promise<ApiKeyRow | null>;
  /**
   * Gives the active key `id` a new secret (its settings, id and history stay), answering as
   * `update` does. Both the old and the new hash are announced to watchers.
   */
  replaceSecret(id: string, secret: ApiKeySecret): Promise<ApiKeyRow | null>;
  /**
   * Records uses in one write; a key's time only moves forward (replicas flush out of order).
   * Not announced to watchers: nothing a cached copy relies on changes.
   */
  markUsed(uses: readonly ApiKeyUse[]): Promise<void>;
  /** The key with that hash, revoked or not. Synchronous on SQLite (no promise on the request path). */
  findByHash(hash: string): Awaitable<ApiKeyRow | null>;
  /** Whether any key was ever created. */
  anyExists(): Awaitable<boolean>;
  /**
   * Tells `sink` about changes made by other processes, as they commit. `started` settles after
   * the first attempt to listen (made or failed; it keeps retrying). Absent where every lookup
   * reads the database anyway (SQLite).
   */
  watch?(sink: ApiKeyChangeSink): ApiKeyWatch;
  close(): Promise<void>;
}
