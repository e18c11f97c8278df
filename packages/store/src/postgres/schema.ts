import type { Migration } from "../migrations.ts";

/** Migrations of the "conversations" domain on Postgres; mirrors the SQLite schema column for column. */
export const POSTGRES_CONVERSATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "conversations, messages, states, profiles, tickets",
    up: `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('bot','waiting','agent','closed')),
  last_seq BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_user ON conversations(user_id);
CREATE TABLE messages (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user','bot','agent','system')),
  text TEXT NOT NULL,
  metadata JSONB NOT NULL,
  idempotency_key TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_idempotency ON messages(conversation_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE TABLE dialogue_states (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  state JSONB NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE user_profiles (
  user_id TEXT PRIMARY KEY,
  data JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE tickets (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  summary TEXT NOT NULL,
  state JSONB,
  sentiment JSONB,
  profile JSONB,
  status TEXT NOT NULL CHECK (status IN ('queued','assigned','closed')),
  agent_id TEXT,
  created_at BIGINT NOT NULL,
  assigned_at BIGINT,
  first_assigned_at BIGINT,
  closed_at BIGINT,
  transfers JSONB NOT NULL DEFAULT '[]',
  -- FIFO tie-break for tickets opened in the same millisecond (SQLite uses its rowid).
  ordinal BIGSERIAL NOT NULL
);
CREATE INDEX tickets_queue ON tickets(status, created_at);
CREATE INDEX tickets_user ON tickets(user_id);
CREATE UNIQUE INDEX tickets_one_active ON tickets(conversation_id) WHERE status <> 'closed';
`,
  },
  {
    version: 2,
    name: "index for recent hand-off wait times",
    up: "CREATE INDEX tickets_first_assigned ON tickets(first_assigned_at) WHERE first_assigned_at IS NOT NULL",
  },
];
