import type { Conversation, StoredMessage, Ticket } from "@seekdesk/store";
import type { QueueInfo } from "./events.ts";

/** A message as the API and the event streams show it (the console merges them by `seq`). */
export interface ApiMessage {
  seq: number;
  conversationId: string;
  role: StoredMessage["role"];
  text: string;
  at: string;
  citations: unknown[];
  meta: Record<string, unknown>;
  /** A customer message's client key, so the sender can replace its optimistic copy (agent and bot keys stay internal). */
  idempotencyKey?: string;
}

export function apiMessage(m: StoredMessage): ApiMessage {
  const { citations, ...meta } = m.metadata;
  return {
    seq: m.seq,
    conversationId: m.conversationId,
    role: m.role,
    text: m.text,
    at: m.createdAt,
    citations: Array.isArray(citations) ? citations : [],
    meta,
    ...(m.role === "user" && m.idempotencyKey ? { idempotencyKey: m.idempotencyKey } : {}),
  };
}

export function apiTicket(
  t: Ticket,
  queue?: QueueInfo | null,
): Ticket & { assignedAgent: string | null; position: number | null; etaSeconds: number | null } {
  return {
    ...t,
    assignedAgent: t.agentId,
    position: queue && queue.position > 0 ? queue.position : null,
    etaSeconds: queue && queue.position > 0 ? queue.etaSeconds : null,
  };
}

/** The hand-off status a customer sees: where they are, and who has them. */
export function handoffStatus(
  conversation: Pick<Conversation, "status">,
  queue: QueueInfo | null,
  agentId?: string | null,
): Record<string, unknown> {
  return {
    status: conversation.status,
    ...(queue && queue.position > 0
      ? { position: queue.position, etaSeconds: queue.etaSeconds, ticketId: queue.ticketId }
      : {}),
    ...(agentId ? { agentName: agentId } : {}),
  };
}
