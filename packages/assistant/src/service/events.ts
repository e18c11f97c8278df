import type { StoredMessage, Ticket } from "@seekdesk/store";

/** Queue position of a waiting customer and the estimated wait, in seconds. */
export interface QueueInfo {
  ticketId: string;
  position: number;
  etaSeconds: number;
}

/** What a customer's stream carries. Only `message` events have an id (the message seq). */
export type ConversationEvent =
  | { type: "message"; message: StoredMessage }
  | { type: "reply_chunk"; replyTo: number; text: string }
  | { type: "typing"; role: "bot" | "agent"; typing: boolean; agentId?: string }
  | { type: "queue"; queue: QueueInfo }
  | { type: "status"; status: "bot" | "waiting" | "agent" | "closed"; agentId?: string }
  /** The conversation was erased with its user's data: the stream says so and ends. */
  | { type: "deleted" }
  /**
   * Never published: a replicated bus delivers it to this replica's listeners when events may
   * have been lost (its LISTEN connection dropped), so streams re-read messages and status from
   * the store.
   */
  | { type: "resync" };

/** What the agents' stream carries. */
export type AgentEvent =
  | { type: "ticket_opened"; ticket: Ticket; queue: QueueInfo }
  | { type: "ticket_assigned"; ticket: Ticket }
  | { type: "ticket_transferred"; ticket: Ticket }
  | { type: "ticket_closed"; ticket: Ticket }
  | { type: "customer_message"; ticketId: string; message: StoredMessage }
  | { type: "customer_typing"; ticketId: string; conversationId: string }
  /** The customer's data was erased; the ticket no longer exists. */
  | { type: "ticket_removed"; ticketId: string };

export type Listener<E> = (event: E) => void;

/**
 * Agent events with an increasing id so an agent console can resume its stream: per process on
 * the in-process bus, for the whole cluster on a replicated one.
 */
export interface NumberedAgentEvent {
  id: number;
  at: number;
  event: AgentEvent;
}

/**
 * How the desk's services announce what happens and how streams hear it. Within one process
 * `ConversationEventBus`; across replicas on Postgres `ReplicatedEventBus`.
 */
export interface DeskEventBus {
  subscribe(conversationId: string, listener: Listener<ConversationEvent>): () => void;
  publish(conversationId: string, event: ConversationEvent): void;
  subscribeAgents(listener: Listener<NumberedAgentEvent>): () => void;
  publishAgents(event: AgentEvent): void;
  /**
   * Agent events after `id`, or null when they are no longer kept (or the id was never issued),
   * in which case the client must reload the queue.
   */
  agentEventsAfter(id: number): NumberedAgentEvent[] | null | Promise<NumberedAgentEvent[] | null>;
  listenerCount(conversationId?: string): number;
  close?(): Promise<void>;
}

/**
 * The in-process event bus: one channel per conversation and one for agents. Delivery is
 * synchronous and in order; a throwing listener is dropped rather than allowed to break the
 * sender (a broken SSE socket must not fail a customer's turn). Durable truth stays in the store:
 * streams catch up from it on reconnect, the bus only carries what happens meanwhile.
 */
export class ConversationEventBus implements DeskEventBus {
  private readonly conversations = new Map<string, Set<Listener<ConversationEvent>>>();
  private readonly agents = new Set<Listener<NumberedAgentEvent>>();
  private readonly recentAgentEvents: NumberedAgentEvent[] = [];
  private nextAgentEventId = 1;

  constructor(private readonly agentReplay = 1000) {}

  subscribe(conversationId: string, listener: Listener<ConversationEvent>): () => void {
    let set = this.conversations.get(conversationId);
    if (!set) {
      set = new Set();
      this.conversations.set(conversationId, set);
    }
    set.add(listener);
    return () => {
      const s = this.conversations.get(conversationId);
      s?.delete(listener);
      if (s && s.size === 0) this.conversations.delete(conversationId);
    };
  }

  publish(conversationId: string, event: ConversationEvent): void {
    const set = this.conversations.get(conversationId);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(event);
      } catch {
        set.delete(l);
      }
    }
  }

  subscribeAgents(listener: Listener<NumberedAgentEvent>): () => void {
    this.agents.add(listener);
    return () => this.agents.delete(listener);
  }

  publishAgents(event: AgentEvent): NumberedAgentEvent {
    const numbered = { id: this.nextAgentEventId++, at: Date.now(), event };
    this.recentAgentEvents.push(numbered);
    if (this.recentAgentEvents.length > this.agentReplay) this.recentAgentEvents.shift();
    for (const l of [...this.agents]) {
      try {
        l(numbered);
      } catch {
        this.agents.delete(l);
      }
    }
    return numbered;
  }

  /**
   * Agent events after `id`, or null when they have left the replay buffer (or the id is from an
   * earlier process), in which case the client must reload the queue.
   */
  agentEventsAfter(id: number): NumberedAgentEvent[] | null {
    if (id >= this.nextAgentEventId) return null;
    const first = this.recentAgentEvents[0];
    if (first && id < first.id - 1) return null;
    if (!first && id < this.nextAgentEventId - 1) return null;
    return this.recentAgentEvents.filter((e) => e.id > id);
  }

  /** Conversations with at least one listener here. */
  conversationIds(): string[] {
    return [...this.conversations.keys()];
  }

  listenerCount(conversationId?: string): number {
    return conversationId === undefined
      ? this.agents.size
      : (this.conversations.get(conversationId)?.size ?? 0);
  }
}
