import { SeekdeskError } from "@seekdesk/core";
import type {
  Conversation,
  ConversationStatus,
  MessageMetadata,
  MessageRole,
  StoredMessage,
  Ticket,
  TicketStatus,
  TicketTransfer,
  UserProfileRecord,
} from "./types.ts";

/**
 * Row shapes shared by the SQLite and Postgres adapters. Times are stored as epoch milliseconds
 * (INTEGER / BIGINT) so both engines order and subtract them the same way; JSON columns arrive
 * as text from SQLite and as parsed values from Postgres JSONB, hence `json()`.
 */
export interface ConversationRow {
  id: string;
  user_id: string;
  channel: string;
  status: string;
  created_at: number | string;
  updated_at: number | string;
}

export interface MessageRow {
  conversation_id: string;
  seq: number | string;
  role: string;
  text: string;
  metadata: unknown;
  idempotency_key: string | null;
  created_at: number | string;
}

export interface ProfileRow {
  user_id: string;
  data: unknown;
  created_at: number | string;
  updated_at: number | string;
}

export interface TicketRow {
  id: string;
  conversation_id: string;
  user_id: string;
  reason: string;
  summary: string;
  state: unknown;
  sentiment: unknown;
  profile: unknown;
  status: string;
  agent_id: string | null;
  created_at: number | string;
  assigned_at: number | string | null;
  closed_at: number | string | null;
  transfers: unknown;
}

export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | string | null): string | null => (ms === null ? null : iso(ms));

function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "string") return JSON.parse(value) as T;
  return value as T;
}

export function toConversation(r: ConversationRow): Conversation {
  return {
    id: r.id,
    userId: r.user_id,
    channel: r.channel,
    status: r.status as ConversationStatus,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function toMessage(r: MessageRow): StoredMessage {
  return {
    conversationId: r.conversation_id,
    seq: Number(r.seq),
    role: r.role as MessageRole,
    text: r.text,
    metadata: json<MessageMetadata>(r.metadata, {}),
    idempotencyKey: r.idempotency_key,
    createdAt: iso(r.created_at),
  };
}

export function toProfile(r: ProfileRow): UserProfileRecord {
  return {
    userId: r.user_id,
    data: json<Record<string, unknown>>(r.data, {}),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function toTicket(r: TicketRow): Ticket {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    userId: r.user_id,
    reason: r.reason,
    summary: r.summary,
    state: json<unknown>(r.state, null),
    sentiment: json<unknown>(r.sentiment, null),
    profile: json<unknown>(r.profile, null),
    status: r.status as TicketStatus,
    agentId: r.agent_id,
    createdAt: iso(r.created_at),
    assignedAt: isoOrNull(r.assigned_at),
    closedAt: isoOrNull(r.closed_at),
    transfers: json<TicketTransfer[]>(r.transfers, []),
  };
}

/** Shallow merge where a null value deletes the key: how profile updates are applied. */
export function mergeProfileData(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next;
}

/** 409: the request is valid but the resource is not in a state that allows it. */
export class ConflictError extends SeekdeskError {
  constructor(message: string, code = "conflict") {
    super(message, { status: 409, type: "invalid_request_error", code });
  }
}

export const TICKET_ACTIVE: readonly TicketStatus[] = ["queued", "assigned"];
