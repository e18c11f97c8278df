import type { Migration } from "../migrations.ts";

/** The "keys" domain in SQLite (moved here from the gateway: same domain, same versions). */
export const SQLITE_API_KEY_MIGRATIONS: readonly Migration[] = [
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
  {
    version: 3,
    name: "key expiry",
    // Existing keys never expire (null).
    up: "ALTER TABLE api_keys ADD COLUMN expires_at TEXT;",
  },
  {
    version: 4,
    name: "models a key may use",
    // A JSON array of model ids or aliases; null (every existing key) means any model.
    up: "ALTER TABLE api_keys ADD COLUMN models TEXT;",
  },
  {
    version: 5,
    name: "when a key was last used",
    up: "ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;",
  },
];

/** Postgres channel on which every change to api_keys is announced (payload: the key's hash). */
export const API_KEYS_CHANNEL = "seekdesk_api_keys";

/**
 * The "keys" domain in Postgres: the SQLite table column for column, plus a trigger that
 * NOTIFYs every change, so each replica drops its cached copy when the change commits, whoever
 * made it (the console, `seekdesk keys`, or an UPDATE typed into psql).
 */
export const POSTGRES_API_KEY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "api keys with change notifications",
    up: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  rpm INTEGER,
  tpm INTEGER,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ,
  scope TEXT NOT NULL DEFAULT 'api' CHECK (scope IN ('api', 'widget')),
  origins JSONB
);
CREATE FUNCTION seekdesk_api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${API_KEYS_CHANNEL}', COALESCE(NEW.hash, OLD.hash));
  RETURN NULL;
END $$;
CREATE TRIGGER api_keys_notify AFTER INSERT OR UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION seekdesk_api_keys_notify();
`,
  },
  {
    version: 2,
    name: "key expiry",
    up: "ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;",
  },
  {
    version: 3,
    name: "models a key may use",
    up: "ALTER TABLE api_keys ADD COLUMN models JSONB;",
  },
  {
    version: 4,
    name: "when a key was last used, not announced",
    // Recording a use changes nothing a replica's cached copy relies on: announcing it would make
    // every replica re-read every busy key once a minute for nothing.
    up: `
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;
CREATE OR REPLACE FUNCTION seekdesk_api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - 'last_used_at' = to_jsonb(NEW) - 'last_used_at' THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('${API_KEYS_CHANNEL}', COALESCE(NEW.hash, OLD.hash));
  RETURN NULL;
END $$;
`,
  },
  {
    version: 5,
    name: "a key's new secret announced under its old hash too",
    // A replica caches keys by hash: the old one must be dropped when the secret is replaced.
    up: `
CREATE OR REPLACE FUNCTION seekdesk_api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - 'last_used_at' = to_jsonb(NEW) - 'last_used_at' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.hash <> NEW.hash THEN
    PERFORM pg_notify('${API_KEYS_CHANNEL}', OLD.hash);
  END IF;
  PERFORM pg_notify('${API_KEYS_CHANNEL}', COALESCE(NEW.hash, OLD.hash));
  RETURN NULL;
END $$;
`,
  },
];
