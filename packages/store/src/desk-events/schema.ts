import type { Migration } from "../migrations.ts";

/** Channel for conversation events (a customer's stream): payloads are the desk's own JSON. */
export const DESK_CONVERSATION_CHANNEL = "seekdesk_desk_conversations";
/** Channel announcing each new row of desk_agent_events (payload: its id, and the event when small). */
export const DESK_AGENT_CHANNEL = "seekdesk_desk_agents";
/**
 * The largest NOTIFY payload Postgres accepts is 7999 bytes (8000 with the terminator, in the
 * default build); larger ones fail the whole statement, so senders check the UTF-8 length first.
 */
export const NOTIFY_PAYLOAD_MAX_BYTES = 7999;

/**
 * The "desk-events" domain: the agents' event log. Agent streams resume with Last-Event-ID on
 * whichever replica the load balancer picks, so their event ids come from this table (one
 * sequence for the whole cluster) instead of a per-process counter. Rows are pruned to the
 * most recent few thousand; a client resuming from before that gets a fresh snapshot.
 */
export const POSTGRES_DESK_EVENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "agent event log",
    up: `
CREATE TABLE desk_agent_events (
  id BIGSERIAL PRIMARY KEY,
  -- milliseconds since the epoch, as the stream shows it
  at BIGINT NOT NULL,
  -- the event as JSON text, opaque to the store
  event TEXT NOT NULL
);
`,
  },
];
