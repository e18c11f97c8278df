import { type PostgresDatabase, postgresDatabaseFor } from "../postgres/database.ts";
import { migratePostgres } from "../postgres/migrate.ts";
import { PostgresRepository } from "../postgres/repository.ts";
import {
  DESK_AGENT_CHANNEL,
  DESK_CONVERSATION_CHANNEL,
  NOTIFY_PAYLOAD_MAX_BYTES,
  POSTGRES_DESK_EVENT_MIGRATIONS,
} from "./schema.ts";

/** One row of the agents' event log. `event` is the JSON text the desk stored. */
export interface StoredAgentEvent {
  id: number;
  at: number;
  event: string;
}

/** What a replica hears on the desk channels. */
export interface DeskEventSink {
  /** A conversation event payload, exactly as another (or this) replica sent it. */
  conversation(payload: string): void;
  /** A new agent event: its id, with time and (parsed) event when they fitted in the notification. */
  agent(event: { id: number; at?: number; event?: unknown }): void;
  /**
   * LISTEN is in effect on a fresh connection. `reconnected`: an earlier connection was lost, so
   * notifications sent in between never arrived and the listener must catch up from the store.
   */
  listening(reconnected: boolean): void;
}

export interface DeskEventListen {
  /** Settles once the first LISTEN took effect, or rejects when that first attempt failed. */
  started: Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresDeskEventOptions {
  /** How many agent events the log keeps for streams that resume (default 10 000). */
  retain?: number;
  /** With a URL: first delay before reconnecting a lost LISTEN connection; doubles up to 10 s. */
  reconnectMs?: number;
  /** With a URL: application_name of its connections (operators and tests find them in pg_stat_activity). */
  applicationName?: string;
  /**
   * With a URL: how often the LISTEN connection is pinged (default 15 s): a connection whose peer
   * vanished without a reset (a failover, a dropped NAT entry) would otherwise wait for TCP
   * keep-alive to give up, which takes minutes, while notifications silently stop.
   */
  pingMs?: number;
}

const AGENT_LOG_LOCK = "seekdesk:desk-agent-events";
const PRUNE_EVERY = 128;

/**
 * The desk's events between replicas over Postgres LISTEN/NOTIFY. Conversation events are only
 * notified (the messages they carry are in the conversation store already); agent events are
 * appended to a log table whose ids number the agents' streams for the whole cluster.
 *
 * Order: sends run one at a time, each after the previous one has finished, so they reach the
 * server in the order they were made; Postgres delivers notifications in commit order; and an
 * agent event's id is drawn while holding a transaction-level advisory lock that is released only
 * at commit, so ids also commit in increasing order and a replica that has seen id n has seen
 * every id below it.
 */
export class PostgresDeskEvents extends PostgresRepository {
  /**
   * The tail of the sends: the shared pool may run two queries on two connections at once, and
   * then either may commit first, so each send waits for the one before (as a one-connection
   * pool made them do before the pool was shared).
   */
  private sending: Promise<unknown> = Promise.resolve();
  private opened: Promise<void> | null = null;
  private readonly retain: number;

  /** `target`: the process's shared handle, or a URL for a handle of its own (3 connections and the listener). */
  constructor(target: PostgresDatabase | string, opts: PostgresDeskEventOptions = {}) {
    const { db, owned } = postgresDatabaseFor(target, {
      poolSize: 3,
      applicationName: opts.applicationName ?? "seekdesk desk events",
      reconnectMs: opts.reconnectMs,
      pingMs: opts.pingMs,
    });
    super(db, owned);
    this.retain = opts.retain ?? 10_000;
  }

  /** Runs `fn` after every send made before it has settled. */
  private send<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.sending.then(fn);
    this.sending = run.catch(() => undefined);
    return run;
  }

  open(): Promise<void> {
    this.opened ??= migratePostgres(this.db.pool, "desk-events", POSTGRES_DESK_EVENT_MIGRATIONS).then(
      () => undefined,
      (err: unknown) => {
        this.opened = null;
        throw err;
      },
    );
    return this.opened;
  }

  /** Notifies conversation payloads in order, in one statement (one transaction). */
  async notifyConversations(payloads: readonly string[]): Promise<void> {
    for (const p of payloads) {
      if (Buffer.byteLength(p) > NOTIFY_PAYLOAD_MAX_BYTES)
        throw new Error(`desk event payload of ${Buffer.byteLength(p)} bytes exceeds the NOTIFY limit`);
    }
    // unnest yields rows in array order, and notifications of one transaction arrive in the
    // order they were made (payloads differ, so none is folded into another).
    await this.send(() =>
      this.db.pool.query("SELECT count(pg_notify($1, p)) FROM unnest($2::text[]) AS p", [
        DESK_CONVERSATION_CHANNEL,
        payloads,
      ]),
    );
  }

  /** Appends an agent event to the log and announces it; returns its id. */
  async appendAgentEvent(at: number, event: string): Promise<number> {
    await this.open();
    // Room for {"i":<20 digits>,"a":<20 digits>,"e":...}.
    const inline = Buffer.byteLength(event) + 60 <= NOTIFY_PAYLOAD_MAX_BYTES;
    const { rows } = await this.send(() =>
      this.db.pool.query<{ id: string }>(
        `WITH lock AS (SELECT pg_advisory_xact_lock(hashtext($1))),
       ins AS (INSERT INTO desk_agent_events (at, event) SELECT $2, $3 FROM lock RETURNING id, at, event)
       SELECT id, pg_notify($4, CASE WHEN $5::boolean
         THEN '{"i":' || id || ',"a":' || at || ',"e":' || event || '}'
         ELSE '{"i":' || id || '}' END) FROM ins`,
        [AGENT_LOG_LOCK, at, event, DESK_AGENT_CHANNEL, inline],
      ),
    );
    const id = Number(rows[0].id);
    if (id % PRUNE_EVERY === 0) {
      await this.db.pool.query("DELETE FROM desk_agent_events WHERE id <= $1", [id - this.retain]);
    }
    return id;
  }

  /** Logged agent events after `id`, oldest first, at most `limit`. */
  async agentEventsAfter(id: number, limit: number): Promise<StoredAgentEvent[]> {
    await this.open();
    const { rows } = await this.db.pool.query<{ id: string; at: string; event: string }>(
      "SELECT id, at, event FROM desk_agent_events WHERE id > $1 ORDER BY id LIMIT $2",
      [id, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), at: Number(r.at), event: r.event }));
  }

  /** The oldest and newest ids in the log (null when it is empty). */
  async agentEventRange(): Promise<{ first: number | null; last: number | null }> {
    await this.open();
    const { rows } = await this.db.pool.query<{ first: string | null; last: string | null }>(
      "SELECT min(id) AS first, max(id) AS last FROM desk_agent_events",
    );
    const r = rows[0];
    return {
      first: r?.first == null ? null : Number(r.first),
      last: r?.last == null ? null : Number(r.last),
    };
  }

  /**
   * Subscribes to both channels on the handle's LISTEN connection, which reconnects with back-off
   * when it is lost (including a silently dead peer, through pings and TCP keep-alive). The
   * migration and the first LISTEN must succeed: a replica does not start deaf to the others.
   */
  listen(sink: DeskEventSink): DeskEventListen {
    let listenedBefore = false;
    let stopped = false;
    let subscription: DeskEventListen | null = null;
    const started = this.open().then(() => {
      if (stopped) return;
      subscription = this.subscribe(sink, () => {
        const again = listenedBefore;
        listenedBefore = true;
        return again;
      });
      return subscription.started;
    });
    return {
      started,
      stop: async () => {
        stopped = true;
        await started.catch(() => undefined);
        await subscription?.stop();
      },
    };
  }

  private subscribe(sink: DeskEventSink, reconnected: () => boolean): DeskEventListen {
    return this.db.listener.subscribe(
      [DESK_CONVERSATION_CHANNEL, DESK_AGENT_CHANNEL],
      {
        onNotify: (payload, channel) => {
          if (!payload) return;
          if (channel === DESK_CONVERSATION_CHANNEL) sink.conversation(payload);
          else {
            const p = JSON.parse(payload) as { i: number; a?: number; e?: unknown };
            sink.agent(p.e === undefined ? { id: p.i } : { id: p.i, at: p.a, event: p.e });
          }
        },
        // A loss is told when listening resumes, as `reconnected`: the listener catches up then.
        onGap: (reason) => {
          if (reason === "listening") sink.listening(reconnected());
        },
      },
      { rejectFirstFailure: true },
    );
  }

  /** Ends the handle only when it is its own; a shared one is closed by its opener. */
  override async close(): Promise<void> {
    await this.sending.catch(() => undefined);
    await super.close();
  }
}
