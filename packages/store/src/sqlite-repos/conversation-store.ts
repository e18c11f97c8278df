import { NotFoundError, newId } from "@seekdesk/core";
import type { Statement } from "better-sqlite3";
import { migrateSqlite } from "../migrations.ts";
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
import { openSqlite, type SqliteDatabase } from "../sqlite.ts";
import { SQLITE_CONVERSATION_MIGRATIONS } from "./schema.ts";

/** Opens (and migrates) the conversation store in a SQLite file; `:memory:` for throwaway use. */
export function openSqliteConversationStore(file: string): ConversationStore {
  const db = openSqlite(file);
  migrateSqlite(db, "conversations", SQLITE_CONVERSATION_MIGRATIONS);
  return new SqliteConversationStore(db);
}

const j = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/**
 * better-sqlite3 is synchronous; the async surface exists so callers can swap in Postgres.
 * Every multi-statement change runs in one transaction, so a kill -9 leaves either all or none.
 */
export class SqliteConversationStore implements ConversationStore {
  readonly kind = "sqlite" as const;
  private readonly statements = new Map<string, Statement>();
  constructor(readonly db: SqliteDatabase) {}

  /** Prepared once per SQL text: preparing is a large share of a small query's cost. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async createConversation(input: { id?: string; userId: string; channel?: string }): Promise<Conversation> {
    const now = Date.now();
    const id = input.id ?? newId("conv_");
    this.stmt(
      "INSERT INTO conversations (id, user_id, channel, status, created_at, updated_at) VALUES (?, ?, ?, 'bot', ?, ?)",
    ).run(id, input.userId, input.channel ?? "web", now, now);
    return this.mustConversation(id);
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const row = this.stmt("SELECT * FROM conversations WHERE id = ?").get(id) as ConversationRow | undefined;
    return row ? toConversation(row) : null;
  }

  async setConversationStatus(id: string, status: ConversationStatus): Promise<Conversation> {
    const r = this.stmt("UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?").run(
      status,
      Date.now(),
      id,
    );
    if (r.changes === 0) throw new NotFoundError(`No conversation ${id}`, "conversation_not_found");
    return this.mustConversation(id);
  }

  async listConversations(
    filter: { userId?: string; status?: ConversationStatus } = {},
  ): Promise<Conversation[]> {
    const rows = this.stmt(
      `SELECT * FROM conversations WHERE (@user IS NULL OR user_id = @user) AND (@status IS NULL OR status = @status)
         ORDER BY created_at, rowid`,
    ).all({ user: filter.userId ?? null, status: filter.status ?? null }) as ConversationRow[];
    return rows.map(toConversation);
  }

  async appendMessage(
    conversationId: string,
    message: NewMessage,
    opts: { state?: unknown } = {},
  ): Promise<AppendResult> {
    const key = message.idempotencyKey ?? null;
    return this.db.transaction((): AppendResult => {
      if (key !== null) {
        const existing = this.stmt(
          "SELECT * FROM messages WHERE conversation_id = ? AND idempotency_key = ?",
        ).get(conversationId, key) as MessageRow | undefined;
        if (existing) return { message: toMessage(existing), duplicate: true };
      }
      const now = Date.now();
      const bumped = this.stmt(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq",
      ).get(now, conversationId) as { last_seq: number } | undefined;
      if (!bumped) throw new NotFoundError(`No conversation ${conversationId}`, "conversation_not_found");
      const row: MessageRow = {
        conversation_id: conversationId,
        seq: bumped.last_seq,
        role: message.role,
        text: message.text,
        metadata: JSON.stringify(message.metadata ?? {}),
        idempotency_key: key,
        created_at: now,
      };
      this.stmt(
        `INSERT INTO messages (conversation_id, seq, role, text, metadata, idempotency_key, created_at)
           VALUES (@conversation_id, @seq, @role, @text, @metadata, @idempotency_key, @created_at)`,
      ).run(row);
      if (opts.state !== undefined) this.writeState(conversationId, opts.state, now);
      return { message: toMessage(row), duplicate: false };
    })();
  }

  async listMessages(
    conversationId: string,
    opts: { afterSeq?: number; limit?: number } = {},
  ): Promise<StoredMessage[]> {
    const rows = this.stmt(
      "SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    ).all(conversationId, opts.afterSeq ?? 0, opts.limit ?? 1000) as MessageRow[];
    return rows.map(toMessage);
  }

  async recentMessages(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const rows = this.stmt("SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?").all(
      conversationId,
      limit,
    ) as MessageRow[];
    return rows.reverse().map(toMessage);
  }

  async saveState(conversationId: string, state: unknown): Promise<void> {
    this.writeState(conversationId, state, Date.now());
  }

  private writeState(conversationId: string, state: unknown, now: number): void {
    this.stmt(
      `INSERT INTO dialogue_states (conversation_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ).run(conversationId, JSON.stringify(state ?? null), now);
  }

  async loadState(conversationId: string): Promise<unknown | null> {
    const row = this.stmt("SELECT state FROM dialogue_states WHERE conversation_id = ?").get(
      conversationId,
    ) as { state: string } | undefined;
    return row ? JSON.parse(row.state) : null;
  }

  async getProfile(userId: string): Promise<UserProfileRecord | null> {
    const row = this.stmt("SELECT * FROM user_profiles WHERE user_id = ?").get(userId) as
      | ProfileRow
      | undefined;
    return row ? toProfile(row) : null;
  }

  async mergeProfile(userId: string, patch: Record<string, unknown>): Promise<UserProfileRecord> {
    return this.db.transaction((): UserProfileRecord => {
      const now = Date.now();
      const row = this.stmt("SELECT * FROM user_profiles WHERE user_id = ?").get(userId) as
        | ProfileRow
        | undefined;
      const data = mergeProfileData(row ? toProfile(row).data : {}, patch);
      this.stmt(
        `INSERT INTO user_profiles (user_id, data, created_at, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ).run(userId, JSON.stringify(data), now, now);
      return toProfile(this.stmt("SELECT * FROM user_profiles WHERE user_id = ?").get(userId) as ProfileRow);
    })();
  }

  async exportUser(userId: string): Promise<UserExport> {
    const conversations = await this.listConversations({ userId });
    const withMessages = conversations.map((c) => ({
      ...c,
      messages: (
        this.stmt("SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq").all(c.id) as MessageRow[]
      ).map(toMessage),
    }));
    const tickets = (
      this.stmt("SELECT * FROM tickets WHERE user_id = ? ORDER BY created_at, rowid").all(
        userId,
      ) as TicketRow[]
    ).map(toTicket);
    return {
      userId,
      exportedAt: new Date().toISOString(),
      profile: await this.getProfile(userId),
      conversations: withMessages,
      tickets,
    };
  }

  async deleteUser(userId: string): Promise<DeleteUserResult> {
    return this.db.transaction((): DeleteUserResult => {
      const messages = this.stmt(
        "DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE user_id = ?)",
      ).run(userId).changes;
      const tickets = this.stmt("DELETE FROM tickets WHERE user_id = ?").run(userId).changes;
      this.stmt(
        "DELETE FROM dialogue_states WHERE conversation_id IN (SELECT id FROM conversations WHERE user_id = ?)",
      ).run(userId);
      const conversations = this.stmt("DELETE FROM conversations WHERE user_id = ?").run(userId).changes;
      const profile = this.stmt("DELETE FROM user_profiles WHERE user_id = ?").run(userId).changes > 0;
      return { conversations, messages, tickets, profile };
    })();
  }

  async openTicket(input: NewTicket): Promise<Ticket> {
    const id = input.id ?? newId("tkt_");
    this.db.transaction(() => {
      const conv = this.stmt("SELECT * FROM conversations WHERE id = ?").get(input.conversationId) as
        | ConversationRow
        | undefined;
      if (!conv) throw new NotFoundError(`No conversation ${input.conversationId}`, "conversation_not_found");
      const active = this.stmt("SELECT id FROM tickets WHERE conversation_id = ? AND status <> 'closed'").get(
        input.conversationId,
      ) as { id: string } | undefined;
      if (active)
        throw new ConflictError(`Conversation already has open ticket ${active.id}`, "ticket_already_open");
      const now = Date.now();
      this.stmt(
        `INSERT INTO tickets (id, conversation_id, user_id, reason, summary, state, sentiment, profile, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
      ).run(
        id,
        input.conversationId,
        conv.user_id,
        input.reason,
        input.summary,
        j(input.state),
        j(input.sentiment),
        j(input.profile),
        now,
      );
      this.stmt("UPDATE conversations SET status = 'waiting', updated_at = ? WHERE id = ?").run(
        now,
        input.conversationId,
      );
    })();
    return this.mustTicket(id);
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const row = this.stmt("SELECT * FROM tickets WHERE id = ?").get(id) as TicketRow | undefined;
    return row ? toTicket(row) : null;
  }

  async activeTicketFor(conversationId: string): Promise<Ticket | null> {
    const row = this.stmt("SELECT * FROM tickets WHERE conversation_id = ? AND status <> 'closed'").get(
      conversationId,
    ) as TicketRow | undefined;
    return row ? toTicket(row) : null;
  }

  async listQueue(): Promise<Ticket[]> {
    return this.listTickets({ status: "queued" });
  }

  async listTickets(
    filter: { status?: TicketStatus; agentId?: string; userId?: string } = {},
  ): Promise<Ticket[]> {
    const rows = this.stmt(
      `SELECT * FROM tickets WHERE (@status IS NULL OR status = @status) AND (@agent IS NULL OR agent_id = @agent)
         AND (@user IS NULL OR user_id = @user)
         ORDER BY created_at, rowid`,
    ).all({
      status: filter.status ?? null,
      agent: filter.agentId ?? null,
      user: filter.userId ?? null,
    }) as TicketRow[];
    return rows.map(toTicket);
  }

  async assignTicket(id: string, agentId: string): Promise<Ticket> {
    this.db.transaction(() => {
      const t = this.mustTicketRow(id);
      if (t.status !== "queued")
        throw new ConflictError(`Ticket ${id} is ${t.status}, not queued`, "ticket_not_queued");
      const now = Date.now();
      this.stmt(
        `UPDATE tickets SET status = 'assigned', agent_id = ?, assigned_at = ?,
           first_assigned_at = COALESCE(first_assigned_at, ?) WHERE id = ?`,
      ).run(agentId, now, now, id);
      this.stmt("UPDATE conversations SET status = 'agent', updated_at = ? WHERE id = ?").run(
        now,
        t.conversation_id,
      );
    })();
    return this.mustTicket(id);
  }

  async transferTicket(id: string, input: { to: string | null; note?: string | null }): Promise<Ticket> {
    this.db.transaction(() => {
      const t = this.mustTicketRow(id);
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
      const status = input.to === null ? "queued" : "assigned";
      this.stmt(
        `UPDATE tickets SET status = ?, agent_id = ?, assigned_at = ?,
           first_assigned_at = COALESCE(first_assigned_at, ?), transfers = ? WHERE id = ?`,
      ).run(
        status,
        input.to,
        input.to === null ? null : now,
        input.to === null ? null : now,
        JSON.stringify(transfers),
        id,
      );
      this.stmt("UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?").run(
        input.to === null ? "waiting" : "agent",
        now,
        t.conversation_id,
      );
    })();
    return this.mustTicket(id);
  }

  async closeTicket(id: string): Promise<Ticket> {
    this.db.transaction(() => {
      const t = this.mustTicketRow(id);
      if (t.status === "closed") throw new ConflictError(`Ticket ${id} is already closed`, "ticket_closed");
      const now = Date.now();
      this.stmt("UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?").run(now, id);
      this.stmt("UPDATE conversations SET status = 'bot', updated_at = ? WHERE id = ?").run(
        now,
        t.conversation_id,
      );
    })();
    return this.mustTicket(id);
  }

  async recentWaitTimes(limit: number): Promise<number[]> {
    const rows = this.stmt(
      `SELECT first_assigned_at - created_at AS wait FROM tickets WHERE first_assigned_at IS NOT NULL
         ORDER BY first_assigned_at DESC LIMIT ?`,
    ).all(limit) as { wait: number }[];
    return rows.map((r) => Number(r.wait));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private mustConversation(id: string): Conversation {
    const row = this.stmt("SELECT * FROM conversations WHERE id = ?").get(id) as ConversationRow | undefined;
    if (!row) throw new NotFoundError(`No conversation ${id}`, "conversation_not_found");
    return toConversation(row);
  }

  private mustTicketRow(id: string): TicketRow {
    const row = this.stmt("SELECT * FROM tickets WHERE id = ?").get(id) as TicketRow | undefined;
    if (!row) throw new NotFoundError(`No ticket ${id}`, "ticket_not_found");
    return row;
  }

  private mustTicket(id: string): Ticket {
    return toTicket(this.mustTicketRow(id));
  }
}
