import type { ConversationStore, NewTicket, Ticket } from "@seekdesk/store";
import type { DeskEventBus, QueueInfo } from "../service/events.ts";
import { estimateWaitSeconds } from "./wait-estimate.ts";

const RECENT_WAITS = 20;

/**
 * The hand-off queue on top of the store's tickets: opening a ticket notifies agents at once
 * (the latency that bench/handoff measures), and every change of the queue tells each waiting
 * customer their new position and estimate.
 */
export class HandoffQueue {
  constructor(
    private readonly store: ConversationStore,
    private readonly bus: DeskEventBus,
  ) {}

  async open(input: NewTicket): Promise<{ ticket: Ticket; queue: QueueInfo }> {
    const ticket = await this.store.openTicket(input);
    const [queue, waits] = await Promise.all([
      this.store.listQueue(),
      this.store.recentWaitTimes(RECENT_WAITS),
    ]);
    const info = this.infoIn(queue, waits, ticket.id);
    this.bus.publishAgents({ type: "ticket_opened", ticket, queue: info });
    this.bus.publish(ticket.conversationId, { type: "status", status: "waiting" });
    this.bus.publish(ticket.conversationId, { type: "queue", queue: info });
    return { ticket, queue: info };
  }

  /** Position and estimate of one queued ticket; position 0 when it is not queued. */
  async info(ticketId: string): Promise<QueueInfo> {
    const [queue, waits] = await Promise.all([
      this.store.listQueue(),
      this.store.recentWaitTimes(RECENT_WAITS),
    ]);
    return this.infoIn(queue, waits, ticketId);
  }

  /** Queued tickets with their positions, oldest first. */
  async list(): Promise<{ ticket: Ticket; queue: QueueInfo }[]> {
    const [queue, waits] = await Promise.all([
      this.store.listQueue(),
      this.store.recentWaitTimes(RECENT_WAITS),
    ]);
    return queue.map((ticket, i) => ({
      ticket,
      queue: { ticketId: ticket.id, position: i + 1, etaSeconds: estimateWaitSeconds(i + 1, waits) },
    }));
  }

  /** Tells every waiting customer where they stand now. */
  async broadcastPositions(): Promise<void> {
    for (const { ticket, queue } of await this.list()) {
      this.bus.publish(ticket.conversationId, { type: "queue", queue });
    }
  }

  private infoIn(queue: readonly Ticket[], waits: readonly number[], ticketId: string): QueueInfo {
    const position = queue.findIndex((t) => t.id === ticketId) + 1;
    return { ticketId, position, etaSeconds: estimateWaitSeconds(position, waits) };
  }
}
