import { InvalidRequestError, NotFoundError, PermissionDeniedError } from "@seekdesk/core";
import { ConflictError, type ConversationStore, type StoredMessage, type Ticket } from "@seekdesk/store";
import type { DeskEventBus, QueueInfo } from "../service/events.ts";
import type { KeyedLock } from "../service/keyed-lock.ts";
import type { DeskObserver } from "../service/metrics.ts";
import { toUserProfile } from "../service/profile.ts";
import type { DialogueState, UserProfile } from "../types.ts";
import type { HandoffQueue } from "./queue.ts";

export interface TicketDetail {
  ticket: Ticket;
  /** Queue position while queued, else null. */
  queue: QueueInfo | null;
  transcript: StoredMessage[];
  /** The dialogue state now (the ticket keeps the one at hand-off time). */
  state: unknown;
  profile: UserProfile | null;
}

const NOTICES = {
  joined: { zh: "人工客服已接入，请问有什么可以帮您？", en: "An agent has joined the conversation." },
  closed: {
    zh: "人工客服已结束本次服务，智能助手将继续为您服务。",
    en: "The agent has finished; the assistant is back to help you.",
  },
} as const;

/**
 * What agents do with hand-off tickets: accept, reply, transfer, close. Writes go through the
 * per-conversation lock so they interleave safely with the customer's own messages.
 */
export class AgentDesk {
  constructor(
    private readonly store: ConversationStore,
    private readonly bus: DeskEventBus,
    private readonly queue: HandoffQueue,
    private readonly lock: KeyedLock,
    private readonly observer?: DeskObserver,
  ) {}

  async detail(ticketId: string): Promise<TicketDetail> {
    const ticket = await this.mustTicket(ticketId);
    const [transcript, state, profile, queue] = await Promise.all([
      this.store.listMessages(ticket.conversationId, { limit: 10_000 }),
      this.store.loadState(ticket.conversationId),
      this.store.getProfile(ticket.userId),
      ticket.status === "queued" ? this.queue.info(ticket.id) : Promise.resolve(null),
    ]);
    return { ticket, queue, transcript, state, profile: toUserProfile(profile) };
  }

  async accept(ticketId: string, agentId: string): Promise<Ticket> {
    const t = await this.mustTicket(ticketId);
    const ticket = await this.lock.run(t.conversationId, async () => {
      const assigned = await this.store.assignTicket(ticketId, agentId);
      await this.notice(assigned, "joined", { event: "agent_joined", agentId });
      return assigned;
    });
    this.bus.publishAgents({ type: "ticket_assigned", ticket });
    if (ticket.assignedAt && t.transfers.length === 0)
      this.observer?.accepted((Date.parse(ticket.assignedAt) - Date.parse(ticket.createdAt)) / 1000);
    this.bus.publish(ticket.conversationId, { type: "status", status: "agent", agentId });
    await this.queue.broadcastPositions();
    return ticket;
  }

  async reply(
    ticketId: string,
    agentId: string,
    text: string,
    idempotencyKey?: string,
  ): Promise<StoredMessage> {
    if (text.trim() === "") throw new InvalidRequestError("text must not be empty", "text");
    const t = await this.mustTicket(ticketId);
    return this.lock.run(t.conversationId, async () => {
      const ticket = this.mustBeMine(await this.mustTicket(ticketId), agentId);
      const { message, duplicate } = await this.store.appendMessage(ticket.conversationId, {
        role: "agent",
        text,
        metadata: { agentId, ticketId },
        idempotencyKey: idempotencyKey ?? null,
      });
      if (!duplicate) {
        this.bus.publish(ticket.conversationId, { type: "message", message });
        this.observer?.message("agent");
      }
      return message;
    });
  }

  /** The agent's typing indicator, shown to the customer. */
  async typing(ticketId: string, agentId: string, typing = true): Promise<void> {
    const t = this.mustBeMine(await this.mustTicket(ticketId), agentId);
    this.bus.publish(t.conversationId, { type: "typing", role: "agent", typing, agentId });
  }

  async transfer(ticketId: string, agentId: string, to: string | null, note?: string): Promise<Ticket> {
    if (to === agentId) throw new InvalidRequestError("Cannot transfer a ticket to yourself", "to");
    const t = await this.mustTicket(ticketId);
    const ticket = await this.lock.run(t.conversationId, async () => {
      const current = await this.mustTicket(ticketId);
      // Queued tickets may be routed by anyone; an assigned one only by its agent.
      if (current.status === "assigned") this.mustBeMine(current, agentId);
      return this.store.transferTicket(ticketId, { to, note: note ?? null });
    });
    this.bus.publishAgents({ type: "ticket_transferred", ticket });
    this.bus.publish(ticket.conversationId, {
      type: "status",
      status: ticket.status === "queued" ? "waiting" : "agent",
      ...(ticket.status === "assigned" && ticket.agentId ? { agentId: ticket.agentId } : {}),
    });
    await this.queue.broadcastPositions();
    return ticket;
  }

  async close(ticketId: string, agentId: string): Promise<Ticket> {
    const t = await this.mustTicket(ticketId);
    const ticket = await this.lock.run(t.conversationId, async () => {
      const current = await this.mustTicket(ticketId);
      if (current.status === "assigned") this.mustBeMine(current, agentId);
      const closed = await this.store.closeTicket(ticketId);
      // Fresh counters, or the next unsure turn would bounce the customer straight back.
      const state = (await this.store.loadState(closed.conversationId)) as DialogueState | null;
      const resetState = state ? { ...state, lowConfidenceTurns: 0, oosTurns: 0 } : undefined;
      await this.notice(closed, "closed", { event: "agent_closed", agentId }, resetState);
      return closed;
    });
    this.bus.publishAgents({ type: "ticket_closed", ticket });
    this.bus.publish(ticket.conversationId, { type: "status", status: "bot" });
    await this.queue.broadcastPositions();
    return ticket;
  }

  private async notice(
    ticket: Ticket,
    kind: keyof typeof NOTICES,
    metadata: Record<string, unknown>,
    state?: unknown,
  ): Promise<void> {
    const lang =
      ((await this.store.loadState(ticket.conversationId)) as DialogueState | null)?.language ?? "zh";
    const { message } = await this.store.appendMessage(
      ticket.conversationId,
      { role: "system", text: NOTICES[kind][lang], metadata: { ...metadata, ticketId: ticket.id } },
      state === undefined ? {} : { state },
    );
    this.bus.publish(ticket.conversationId, { type: "message", message });
  }

  private async mustTicket(id: string): Promise<Ticket> {
    const t = await this.store.getTicket(id);
    if (!t) throw new NotFoundError(`No ticket ${id}`, "ticket_not_found", "ticket_id");
    return t;
  }

  private mustBeMine(t: Ticket, agentId: string): Ticket {
    if (t.status !== "assigned")
      throw new ConflictError(`Ticket ${t.id} is ${t.status}; accept it first`, "ticket_not_assigned");
    if (t.agentId !== agentId)
      throw new PermissionDeniedError(
        `Ticket ${t.id} is assigned to another agent`,
        "ticket_assigned_elsewhere",
      );
    return t;
  }
}
