import type { Migration } from "../migrations.ts";

/** The "desk_admin" domain in SQLite (moved here from the assistant: same domain, same versions). */
export const SQLITE_DESK_ADMIN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "intent examples and settings",
    up: `
      CREATE TABLE desk_intent_examples (
        intent TEXT NOT NULL,
        text TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (intent, text)
      );
      CREATE TABLE desk_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
    `,
  },
  {
    version: 2,
    name: "training count",
    up: `CREATE TABLE desk_training (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)`,
  },
];

/** Postgres channel on which changes to the desk's admin tables are announced (payload: what changed). */
export const DESK_ADMIN_CHANNEL = "seekdesk_desk_admin";

/**
 * The "desk_admin" domain in Postgres: SQLite's tables (settings as JSONB; `seq`, drawn again
 * when a change is made again, is the order of the changes), and a statement trigger per table that NOTIFYs what changed when
 * it commits, so every replica hears of an edit made on any of them, or typed into psql.
 */
export const POSTGRES_DESK_ADMIN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "intent examples, settings and training count with change notifications",
    up: `
CREATE TABLE desk_intent_examples (
  intent TEXT NOT NULL,
  text TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (intent, text)
);
CREATE TABLE desk_settings (
  name TEXT PRIMARY KEY,
  value JSONB NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE desk_training (
  id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
  generation BIGINT NOT NULL
);
CREATE FUNCTION seekdesk_desk_admin_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${DESK_ADMIN_CHANNEL}', TG_ARGV[0]);
  RETURN NULL;
END $$;
CREATE TRIGGER desk_intent_examples_notify AFTER INSERT OR UPDATE OR DELETE ON desk_intent_examples
  FOR EACH STATEMENT EXECUTE FUNCTION seekdesk_desk_admin_notify('examples');
CREATE TRIGGER desk_settings_notify AFTER INSERT OR UPDATE OR DELETE ON desk_settings
  FOR EACH STATEMENT EXECUTE FUNCTION seekdesk_desk_admin_notify('settings');
CREATE TRIGGER desk_training_notify AFTER INSERT OR UPDATE OR DELETE ON desk_training
  FOR EACH STATEMENT EXECUTE FUNCTION seekdesk_desk_admin_notify('training');
`,
  },
];
