/**
 * The conversation store: conversations, their append-only messages, dialogue state snapshots,
 * long-term user profiles and hand-off tickets. One interface, async throughout so that the
 * SQLite default and the Postgres adapter are interchangeable (and tested by one suite).
 * Timestamps are ISO-8601 strings in UTC with millisecond precision.
 */
export type ConversationStatus = "bot" | "waiting" | "agent" | "closed";
export type MessageRole = "user" | "bot" | "agent" | "system";
export type TicketStatus = "queued" | "assigned" | "closed";

export interface Conversation {
  id: string;
  userId: string;
  channel: string;
  status: ConversationStatus;
  createdAt: string;
  updatedAt: string;
}

/** What a turn records beside the text; free-form so the assistant can add fields. */
export interface MessageMetadata {
  intent?: string;
  confidence?: number;
  sentiment?: { score: number; label: string };
  citations?: unknown[];
  inputKind?: "text" | "image" | "audio";
  /** OCR or ASR confidence of the input, 0..1. */
  inputConfidence?: number;
  /** For bot replies: the seq of the user message this answers (lets a retry find its reply). */
  replyTo?: number;
  /** For agent messages: who wrote it. */
  agentId?: string;
  [key: string]: unknown;
}

export interface StoredMessage {
  conversationId: string;
  /** 1, 2, 3... per conversation, gap-free; doubles as the SSE event id. */
  seq: number;
  role: MessageRole;
  text: string;
  metadata: MessageMetadata;
  idempotencyKey: string | null;
  createdAt: string;
}

export interface NewMessage {
  role: MessageRole;
  text: string;
  metadata?: MessageMetadata;
  /** Client-chosen key; a second append with the same key returns the first message. */
  idempotencyKey?: string | null;
}

export interface AppendResult {
  message: StoredMessage;
  /** True when the idempotency key was seen before and nothing was written. */
  duplicate: boolean;
}

export interface UserProfileRecord {
  userId: string;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface TicketTransfer {
  from: string | null;
  to: string | null;
  note: string | null;
  at: string;
}

export interface Ticket {
  id: string;
  conversationId: string;
  userId: string;
  reason: string;
  summary: string;
  state: unknown;
  sentiment: unknown;
  profile: unknown;
  status: TicketStatus;
  agentId: string | null;
  createdAt: string;
  assignedAt: string | null;
  closedAt: string | null;
  transfers: TicketTransfer[];
}

export interface NewTicket {
  id?: string;
  conversationId: string;
  reason: string;
  summary: string;
  state?: unknown;
  sentiment?: unknown;
  profile?: unknown;
}

export interface UserExport {
  userId: string;
  exportedAt: string;
  profile: UserProfileRecord | null;
  conversations: (Conversation & { messages: StoredMessage[] })[];
  tickets: Ticket[];
}

export interface DeleteUserResult {
  conversations: number;
  messages: number;
  tickets: number;
  profile: boolean;
}

export interface ConversationStore {
  readonly kind: "sqlite" | "postgres";

  createConversation(input: { id?: string; userId: string; channel?: string }): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation | null>;
  setConversationStatus(id: string, status: ConversationStatus): Promise<Conversation>;
  listConversations(filter?: { userId?: string; status?: ConversationStatus }): Promise<Conversation[]>;

  /**
   * Durable when the promise resolves. Throws NotFoundError for an unknown conversation. With
   * `opts.state`, the dialogue state snapshot is saved in the same transaction, so a bot reply and
   * the state it leads to are never out of step after a crash.
   */
  appendMessage(
    conversationId: string,
    message: NewMessage,
    opts?: { state?: unknown },
  ): Promise<AppendResult>;
  listMessages(
    conversationId: string,
    opts?: { afterSeq?: number; limit?: number },
  ): Promise<StoredMessage[]>;
  /** The last `limit` messages, oldest first. */
  recentMessages(conversationId: string, limit: number): Promise<StoredMessage[]>;

  saveState(conversationId: string, state: unknown): Promise<void>;
  loadState(conversationId: string): Promise<unknown | null>;

  getProfile(userId: string): Promise<UserProfileRecord | null>;
  /** Shallow-merges `patch` into the stored profile (creating it); keys set to null are removed. */
  mergeProfile(userId: string, patch: Record<string, unknown>): Promise<UserProfileRecord>;
  exportUser(userId: string): Promise<UserExport>;
  /** Erases the profile and every conversation, message, state and ticket of the user. */
  deleteUser(userId: string): Promise<DeleteUserResult>;

  /** Opens a queued ticket and moves the conversation to `waiting`, atomically. */
  openTicket(input: NewTicket): Promise<Ticket>;
  getTicket(id: string): Promise<Ticket | null>;
  /** The queued or assigned ticket of a conversation, if any. */
  activeTicketFor(conversationId: string): Promise<Ticket | null>;
  /** Queued tickets, oldest first: index + 1 is the queue position. */
  listQueue(): Promise<Ticket[]>;
  listTickets(filter?: { status?: TicketStatus; agentId?: string; userId?: string }): Promise<Ticket[]>;
  /** queued → assigned to `agentId`; the conversation goes to `agent`. Conflict if not queued. */
  assignTicket(id: string, agentId: string): Promise<Ticket>;
  /**
   * Hands an open ticket to another agent (`to`) or back to the queue (`to` null), appending to
   * the transfer history.
   */
  transferTicket(id: string, input: { to: string | null; note?: string | null }): Promise<Ticket>;
  /** Closes the ticket; the conversation returns to `bot`. */
  closeTicket(id: string): Promise<Ticket>;
  /** Milliseconds from queued to first assignment, most recent first. */
  recentWaitTimes(limit: number): Promise<number[]>;

  close(): Promise<void>;
}
