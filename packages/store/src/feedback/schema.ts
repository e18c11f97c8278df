import type { Migration } from "../migrations.ts";

/**
 * The feedback tables in SQLite, moved here from the console: they keep the console's migration
 * domain ("console", version 1), so existing files are not migrated twice.
 */
export const SQLITE_FEEDBACK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "feedback",
    up: `
      CREATE TABLE console_ratings (
        conversation_id TEXT PRIMARY KEY,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE console_intent_feedback (
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        corrected_intent TEXT,
        agent TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (conversation_id, seq)
      );
    `,
  },
];

/** The "feedback" domain in Postgres, column for column. */
export const POSTGRES_FEEDBACK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "ratings and intent verdicts",
    up: `
CREATE TABLE console_ratings (
  conversation_id TEXT PRIMARY KEY,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE console_intent_feedback (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  correct BOOLEAN NOT NULL,
  corrected_intent TEXT,
  agent TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, seq)
);
`,
  },
];
