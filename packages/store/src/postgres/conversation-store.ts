import { NotFoundError, newId } from "@seekdesk/core";
import type pg from "pg";
import {
  ConflictError,
  type ConversationRow,
  type MessageRow,
  mergeProfileData,
  type ProfileRow,
  type TicketRow,
  toConversation,
  toMessage,
  toProfile,
  toTicket,
} from "../repositories/rows.ts";
import type {
  AppendResult,
  Conversation,
  ConversationStatus,
  ConversationStore,
  DeleteUserResult,
  NewMessage,
  NewTicket,
  StoredMessage,
  Ticket,
  TicketStatus,
  TicketTransfer,
  UserExport,
  UserProfileRecord,
} from "../repositories/types.ts";
import { migratedPostgresDatabase, type PostgresDatabase } from "./database.ts";
import { PostgresRepository } from "./repository.ts";
import { POSTGRES_CONVERSATION_MIGRATIONS } from "./schema.ts";

type Queryable = pg.Pool | pg.PoolClient;

class DuplicateMessage extends Error {
  constructor(readonly existing: StoredMessage) {
    super("duplicate idempotency key");
  }
}

const j = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/**
 * Migrates the "conversations" domain and returns the store, on the process's shared handle or,
 * for a `postgres://` URL, on a handle of its own (`max` connections) that it closes.
 */
export async function openPostgresConversationStore(
  target: PostgresDatabase | string,
  /** With a URL: its own pool's size, and the application_name its connections show in pg_stat_activity. */
  opts: { max?: number; applicationName?: string } = {},
): Promise<PostgresConversationStore> {
  const { db, owned } = await migratedPostgresDatabase(
    target,
    {
      poolSize: opts.max ?? 10,
      applicationName: opts.applicationName,
    },
    "conversations",
    POSTGRES_CONVERSATION_MIGRATIONS,
  );
  return new PostgresConversationStore(db, owned);
}

/**
 * Same behaviour as the SQLite store. Row locks on the conversation (the `last_seq` bump) and on
 * the ticket (`FOR UPDATE`) give the serialisation SQLite gets from its single writer.
 */
export class PostgresConversationStore extends PostgresRepository implements ConversationStore {
  async createConversation(input: { id?: string; userId: string; channel?: string }): Promise<Conversation> {
    const now = Date.now();
    const { rows } = await this.pool.query<ConversationRow>(
      `INSERT INTO conversations (id, user_id, channel, status, created_at, updated_at)
       VALUES ($1, $2, $3, 'bot', $4, $4) RETURNING *`,
      [input.id ?? newId("conv_"), input.userId, input.channel ?? "web", now],
    );
    return toConversation(rows[0]);
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const { rows } = await this.pool.query<ConversationRow>("SELECT * FROM conversations WHERE id = $1", [
      id,
    ]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  async setConversationStatus(id: string, status: ConversationStatus): Promise<Conversation> {
    const { rows } = await this.pool.query<ConversationRow>(
      "UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3 RETURNING *",
      [status, Date.now(), id],
    );
    if (!rows[0]) throw new NotFoundError(`No conversation ${id}`, "conversation_not_found");
    return toConversation(rows[0]);
  }

  async listConversations(
    filter: { userId?: string; status?: ConversationStatus } = {},
  ): Promise<Conversation[]> {
    const { rows } = await this.pool.query<ConversationRow>(
      `SELECT * FROM conversations WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at, id`,
      [filter.userId ?? null, filter.status ?? null],
    );
    return rows.map(toConversation);
  }

  async appendMessage(
    conversationId: string,
    message: NewMessage,
    opts: { state?: unknown } = {},
  ): Promise<AppendResult> {
    const key = message.idempotencyKey ?? null;
    return this.tx(async (c): Promise<AppendResult> => {
      const now = Date.now();
      // Bump first: the row lock makes concurrent appends with the same key wait, and the
      // statement after it sees whatever the other transaction committed.
      const bumped = await c.query<{ last_seq: string }>(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = $1 WHERE id = $2 RETURNING last_seq",
        [now, conversationId],
      );
      if (!bumped.rows[0])
        throw new NotFoundError(`No conversation ${conversationId}`, "conversation_not_found");
      if (key !== null) {
        const existing = await c.query<MessageRow>(
          "SELECT * FROM messages WHERE conversation_id = $1 AND idempotency_key = $2",
          [conversationId, key],
        );
        // Throwing rolls back the seq bump, so the sequence stays gap-free.
        if (existing.rows[0]) throw new DuplicateMessage(toMessage(existing.rows[0]));
      }
      const { rows } = await c.query<MessageRow>(
        `INSERT INTO messages (conversation_id, seq, role, text, metadata, idempotency_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          conversationId,
          bumped.rows[0].last_seq,
          message.role,
          message.text,
          JSON.stringify(message.metadata ?? {}),
          key,
          now,
        ],
      );
      if (opts.state !== undefined) await this.writeState(c, conversationId, opts.state, now);
      return { message: toMessage(rows[0]), duplicate: false };
    }).catch((err: unknown) => {
      if (err instanceof DuplicateMessage) return { message: err.existing, duplicate: true };
      throw err;
    });
  }

  async listMessages(
    conversationId: string,
    opts: { afterSeq?: number; limit?: number } = {},
  ): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      "SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [conversationId, opts.afterSeq ?? 0, opts.limit ?? 1000],
    );
    return rows.map(toMessage);
  }

  async recentMessages(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      "SELECT * FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2",
      [conversationId, limit],
    );
    return rows.reverse().map(toMessage);
  }

  async saveState(conversationId: string, state: unknown): Promise<void> {
    await this.writeState(this.pool, conversationId, state, Date.now());
  }

  private async writeState(c: Queryable, conversationId: string, state: unknown, now: number): Promise<void> {
    await c.query(
      `INSERT INTO dialogue_states (conversation_id, state, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (conversation_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      [conversationId, JSON.stringify(state ?? null), now],
    );
  }

  async loadState(conversationId: string): Promise<unknown | null> {
    const { rows } = await this.pool.query<{ state: unknown }>(
      "SELECT state FROM dialogue_states WHERE conversation_id = $1",
      [conversationId],
    );
    return rows[0] ? rows[0].state : null;
  }

  async getProfile(userId: string): Promise<UserProfileRecord | null> {
    const { rows } = await this.pool.query<ProfileRow>("SELECT * FROM user_profiles WHERE user_id = $1", [
      userId,
    ]);
    return rows[0] ? toProfile(rows[0]) : null;
  }

  async mergeProfile(userId: string, patch: Record<string, unknown>): Promise<UserProfileRecord> {
    return this.tx(async (c) => {
      const now = Date.now();
      // Insert-if-missing first so that FOR UPDATE has a row to lock even for a new user.
      await c.query(
        `INSERT INTO user_profiles (user_id, data, created_at, updated_at) VALUES ($1, '{}', $2, $2)
         ON CONFLICT (user_id) DO NOTHING`,
        [userId, now],
      );
      const cur = await c.query<ProfileRow>("SELECT * FROM user_profiles WHERE user_id = $1 FOR UPDATE", [
        userId,
      ]);
      const data = mergeProfileData(toProfile(cur.rows[0]).data, patch);
      const { rows } = await c.query<ProfileRow>(
        "UPDATE user_profiles SET data = $2, updated_at = $3 WHERE user_id = $1 RETURNING *",
        [userId, JSON.stringify(data), now],
      );
      return toProfile(rows[0]);
    });
  }

  async exportUser(userId: string): Promise<UserExport> {
    const conversations = await this.listConversations({ userId });
    const withMessages = [];
    for (const c of conversations) {
      const { rows } = await this.pool.query<MessageRow>(
        "SELECT * FROM messages WHERE conversation_id = $1 ORDER BY seq",
        [c.id],
      );
      withMessages.push({ ...c, messages: rows.map(toMessage) });
    }
    const tickets = await this.pool.query<TicketRow>(
      "SELECT * FROM tickets WHERE user_id = $1 ORDER BY created_at, ordinal",
      [userId],
    );
    return {
      userId,
      exportedAt: new Date().toISOString(),
      profile: await this.getProfile(userId),
      conversations: withMessages,
      tickets: tickets.rows.map(toTicket),
    };
  }

  async deleteUser(userId: string): Promise<DeleteUserResult> {
    return this.tx(async (c) => {
      const messages = await c.query(
        "DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE user_id = $1)",
        [userId],
      );
      const tickets = await c.query("DELETE FROM tickets WHERE user_id = $1", [userId]);
      await c.query(
        "DELETE FROM dialogue_states WHERE conversation_id IN (SELECT id FROM conversations WHERE user_id = $1)",
        [userId],
      );
      const conversations = await c.query("DELETE FROM conversations WHERE user_id = $1", [userId]);
      const profile = await c.query("DELETE FROM user_profiles WHERE user_id = $1", [userId]);
      return {
        conversations: conversations.rowCount ?? 0,
        messages: messages.rowCount ?? 0,
        tickets: tickets.rowCount ?? 0,
        profile: (profile.rowCount ?? 0) > 0,
      };
    });
  }

  async openTicket(input: NewTicket): Promise<Ticket> {
    const id = input.id ?? newId("tkt_");
    return this.tx(async (c) => {
      const conv = await c.query<ConversationRow>("SELECT * FROM conversations WHERE id = $1 FOR UPDATE", [
        input.conversationId,
      ]);
      if (!conv.rows[0])
        throw new NotFoundError(`No conversation ${input.conversationId}`, "conversation_not_found");
      const active = await c.query<{ id: string }>(
        "SELECT id FROM tickets WHERE conversation_id = $1 AND status <> 'closed'",
        [input.conversationId],
      );
      if (active.rows[0])
        throw new ConflictError(
          `Conversation already has open ticket ${active.rows[0].id}`,
          "ticket_already_open",
        );
      const now = Date.now();
      const { rows } = await c.query<TicketRow>(
        `INSERT INTO tickets (id, conversation_id, user_id, reason, summary, state, sentiment, profile, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9) RETURNING *`,
        [
          id,
          input.conversationId,
          conv.rows[0].user_id,
          input.reason,
          input.summary,
          j(input.state),
          j(input.sentiment),
          j(input.profile),
          now,
        ],
      );
      await c.query("UPDATE conversations SET status = 'waiting', updated_at = $1 WHERE id = $2", [
        now,
        input.conversationId,
      ]);
      return toTicket(rows[0]);
    });
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const { rows } = await this.pool.query<TicketRow>("SELECT * FROM tickets WHERE id = $1", [id]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async activeTicketFor(conversationId: string): Promise<Ticket | null> {
    const { rows } = await this.pool.query<TicketRow>(
      "SELECT * FROM tickets WHERE conversation_id = $1 AND status <> 'closed'",
      [conversationId],
    );
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async listQueue(): Promise<Ticket[]> {
    return this.listTickets({ status: "queued" });
  }

  async listTickets(
    filter: { status?: TicketStatus; agentId?: string; userId?: string } = {},
  ): Promise<Ticket[]> {
    const { rows } = await this.pool.query<TicketRow>(
      `SELECT * FROM tickets WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR agent_id = $2)
       AND ($3::text IS NULL OR user_id = $3)
       ORDER BY created_at, ordinal`,
      [filter.status ?? null, filter.agentId ?? null, filter.userId ?? null],
    );
    return rows.map(toTicket);
  }

  private async lockTicket(c: Queryable, id: string): Promise<TicketRow> {
    const { rows } = await c.query<TicketRow>("SELECT * FROM tickets WHERE id = $1 FOR UPDATE", [id]);
    if (!rows[0]) throw new NotFoundError(`No ticket ${id}`, "ticket_not_found");
    return rows[0];
  }

  async assignTicket(id: string, agentId: string): Promise<Ticket> {
    return this.tx(async (c) => {
      const t = await this.lockTicket(c, id);
      if (t.status !== "queued")
        throw new ConflictError(`Ticket ${id} is ${t.status}, not queued`, "ticket_not_queued");
      const now = Date.now();
      const { rows } = await c.query<TicketRow>(
        `UPDATE tickets SET status = 'assigned', agent_id = $1, assigned_at = $2,
         first_assigned_at = COALESCE(first_assigned_at, $2) WHERE id = $3 RETURNING *`,
        [agentId, now, id],
      );
      await c.query("UPDATE conversations SET status = 'agent', updated_at = $1 WHERE id = $2", [
        now,
        t.conversation_id,
      ]);
      return toTicket(rows[0]);
    });
  }

  async transferTicket(id: string, input: { to: string | null; note?: string | null }): Promise<Ticket> {
    return this.tx(async (c) => {
      const t = await this.lockTicket(c, id);
      if (t.status === "closed") throw new ConflictError(`Ticket ${id} is closed`, "ticket_closed");
      const now = Date.now();
      const transfers = toTicket(t).transfers;
      const entry: TicketTransfer = {
        from: t.agent_id,
        to: input.to,
        note: input.note ?? null,
        at: new Date(now).toISOString(),
      };
      transfers.push(entry);
      const assignedAt = input.to === null ? null : now;
      const { rows } = await c.query<TicketRow>(
        `UPDATE tickets SET status = $1, agent_id = $2, assigned_at = $3,
         first_assigned_at = COALESCE(first_assigned_at, $3), transfers = $4 WHERE id = $5 RETURNING *`,
        [input.to === null ? "queued" : "assigned", input.to, assignedAt, JSON.stringify(transfers), id],
      );
      await c.query("UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3", [
        input.to === null ? "waiting" : "agent",
        now,
        t.conversation_id,
      ]);
      return toTicket(rows[0]);
    });
  }

  async closeTicket(id: string): Promise<Ticket> {
    return this.tx(async (c) => {
      const t = await this.lockTicket(c, id);
      if (t.status === "closed") throw new ConflictError(`Ticket ${id} is already closed`, "ticket_closed");
      const now = Date.now();
      const { rows } = await c.query<TicketRow>(
        "UPDATE tickets SET status = 'closed', closed_at = $1 WHERE id = $2 RETURNING *",
        [now, id],
      );
      await c.query("UPDATE conversations SET status = 'bot', updated_at = $1 WHERE id = $2", [
        now,
        t.conversation_id,
      ]);
      return toTicket(rows[0]);
    });
  }

  async recentWaitTimes(limit: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ wait: string }>(
      `SELECT first_assigned_at - created_at AS wait FROM tickets WHERE first_assigned_at IS NOT NULL
       ORDER BY first_assigned_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => Number(r.wait));
  }
}
