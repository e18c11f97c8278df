import type { Conversation } from "@seekdesk/store";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { apiMessage, apiTicket, handoffStatus } from "./api-shapes.ts";
import type { ConversationService } from "./conversation-service.ts";
import type { ConversationEvent, NumberedAgentEvent } from "./events.ts";

const KEEPALIVE_TICKS = 15;
const TICK_MS = 1000;
const PAGE = 500;

/**
 * Waits for a wake-up or a one-second tick. On ticks the stream checks whether the server has
 * stopped listening (a drain has begun: these streams never end by themselves, so they close and
 * clients reconnect elsewhere with Last-Event-ID), and every 15th tick sends a keep-alive comment,
 * because proxies drop idle streams.
 */
function waiter() {
  let wake: (() => void) | null = null;
  return {
    notify: () => wake?.(),
    wait: () =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve(false);
        }, TICK_MS);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve(true);
        };
      }),
  };
}

/** The node HTTP server behind this request, to notice when it stops listening. */
function serverOf(c: Context): { listening: boolean } | undefined {
  const out = (c.env as { outgoing?: { socket?: { server?: { listening: boolean } } | null } } | undefined)
    ?.outgoing;
  return out?.socket?.server ?? undefined;
}

/** Runs between events: false once the stream should end, a keep-alive comment when due. */
function ticker(c: Context, stream: SSEStreamingApi) {
  const server = serverOf(c);
  let ticks = 0;
  return async (): Promise<boolean> => {
    if (server && !server.listening) return false;
    if (++ticks % KEEPALIVE_TICKS === 0) await stream.write(": keep-alive\n\n");
    return true;
  };
}

/**
 * The events `subscribe` delivers, queued in `pending` for a stream's loop. `closed` turns true
 * when the client goes away; `idle()` waits for an event or a tick and is false once the stream
 * should end.
 */
function liveInbox<E>(c: Context, stream: SSEStreamingApi, subscribe: (push: (e: E) => void) => () => void) {
  const pending: E[] = [];
  const w = waiter();
  const tick = ticker(c, stream);
  const unsubscribe = subscribe((e) => {
    pending.push(e);
    w.notify();
  });
  let closed = false;
  stream.onAbort(() => {
    closed = true;
    w.notify();
  });
  return {
    pending,
    unsubscribe,
    get closed() {
      return closed;
    },
    idle: async (): Promise<boolean> => (await w.wait()) || closed || (await tick()),
  };
}

/**
 * A customer's live stream. Subscribes before catching up from the store, so a message stored
 * during the catch-up is either in the page read or in the live buffer, and messages are
 * deduplicated by seq: with Last-Event-ID = the last seq seen, a reconnect loses and repeats
 * nothing. Only message events carry an id.
 */
export function conversationEventStream(
  c: Context,
  service: ConversationService,
  conversation: Conversation,
  after: number,
): Response {
  return streamSSE(c, async (stream) => {
    const inbox = liveInbox<ConversationEvent>(c, stream, (push) =>
      service.bus.subscribe(conversation.id, push),
    );
    const { pending } = inbox;
    try {
      let last = after;
      const catchUp = async () => {
        for (;;) {
          const page = await service.store.listMessages(conversation.id, { afterSeq: last, limit: PAGE });
          for (const m of page) {
            await stream.writeSSE({
              event: "message",
              id: String(m.seq),
              data: JSON.stringify(apiMessage(m)),
            });
            last = m.seq;
          }
          if (page.length < PAGE) return;
        }
      };
      /** The hand-off status; false (after telling the client) when the conversation is gone. */
      const writeStatus = async (): Promise<boolean> => {
        const now = await service.store.getConversation(conversation.id);
        if (!now) {
          await writeConversationEvent(stream, { type: "deleted" }, conversation.id);
          return false;
        }
        await stream.writeSSE({
          event: "handoff",
          data: JSON.stringify(handoffStatus(now, await service.queueInfo(conversation.id))),
        });
        return true;
      };
      await catchUp();
      if (!(await writeStatus())) return;
      while (!inbox.closed) {
        while (pending.length > 0 && !inbox.closed) {
          const e = pending.shift() as ConversationEvent;
          if (e.type === "resync") {
            // Events may have been lost between replicas (an erasure among them): the store has the truth.
            await catchUp();
            if (!(await writeStatus())) return;
            continue;
          }
          if (e.type === "deleted") {
            // Erased with its user's data: nothing more will come, and the client must not resume.
            await writeConversationEvent(stream, e, conversation.id);
            return;
          }
          if (e.type === "message") {
            if (e.message.seq <= last) continue;
            // A gap means an event was published before we subscribed: read it from the store.
            if (e.message.seq > last + 1) await catchUp();
            if (e.message.seq <= last) continue;
            last = e.message.seq;
          }
          await writeConversationEvent(stream, e, conversation.id);
        }
        if (inbox.closed || !(await inbox.idle())) break;
      }
    } finally {
      inbox.unsubscribe();
    }
  });
}

async function writeConversationEvent(
  stream: SSEStreamingApi,
  e: ConversationEvent,
  conversationId: string,
): Promise<void> {
  switch (e.type) {
    case "message":
      return stream.writeSSE({
        event: "message",
        id: String(e.message.seq),
        data: JSON.stringify(apiMessage(e.message)),
      });
    case "reply_chunk":
      return stream.writeSSE({ event: "delta", data: JSON.stringify({ replyTo: e.replyTo, text: e.text }) });
    case "typing":
      return stream.writeSSE({ event: "typing", data: JSON.stringify(e) });
    case "queue":
      return stream.writeSSE({
        event: "queue",
        data: JSON.stringify({ status: "waiting", ...e.queue }),
      });
    case "status":
      return stream.writeSSE({
        event: "handoff",
        data: JSON.stringify({ status: e.status, ...(e.agentId ? { agentName: e.agentId } : {}) }),
      });
    case "deleted":
      return stream.writeSSE({ event: "deleted", data: JSON.stringify({ conversationId }) });
    case "resync":
      return;
  }
}

/**
 * The agents' stream. Events carry the bus's id (per process, or cluster-wide on Postgres);
 * Last-Event-ID replays what was missed while it is still kept, otherwise a `snapshot` of the
 * open tickets tells the console to start over.
 */
export function agentEventStream(
  c: Context,
  service: ConversationService,
  lastEventId: number | undefined,
): Response {
  return streamSSE(c, async (stream) => {
    const inbox = liveInbox<NumberedAgentEvent>(c, stream, (push) => service.bus.subscribeAgents(push));
    const { pending } = inbox;
    try {
      const replay = lastEventId === undefined ? null : await service.bus.agentEventsAfter(lastEventId);
      // Ids only grow, so anything at or below the last one written is a repeat (an event both
      // replayed and heard live while the replay was read).
      let last = replay === null ? Number.NEGATIVE_INFINITY : (lastEventId as number);
      if (replay === null) {
        const queued = await service.queue.list();
        const assigned = await service.store.listTickets({ status: "assigned" });
        await stream.writeSSE({
          event: "snapshot",
          data: JSON.stringify({
            tickets: [
              ...queued.map((q) => apiTicket(q.ticket, q.queue)),
              ...assigned.map((t) => apiTicket(t)),
            ],
          }),
        });
      } else {
        // Events heard while the replay was read may be in both; ids order them.
        const merged = [...replay, ...pending].sort((a, b) => a.id - b.id);
        pending.splice(0, pending.length, ...merged);
      }
      while (!inbox.closed) {
        while (pending.length > 0 && !inbox.closed) {
          const e = pending.shift() as NumberedAgentEvent;
          if (e.id <= last) continue;
          last = e.id;
          await stream.writeSSE({
            event: e.event.type,
            id: String(e.id),
            data: JSON.stringify(agentPayload(e)),
          });
        }
        if (inbox.closed || !(await inbox.idle())) break;
      }
    } finally {
      inbox.unsubscribe();
    }
  });
}

function agentPayload(n: NumberedAgentEvent): Record<string, unknown> {
  const e = n.event;
  const at = new Date(n.at).toISOString();
  switch (e.type) {
    case "ticket_opened":
      return { type: e.type, at, ticketId: e.ticket.id, ticket: apiTicket(e.ticket, e.queue) };
    case "ticket_assigned":
    case "ticket_transferred":
    case "ticket_closed":
      return { type: e.type, at, ticketId: e.ticket.id, ticket: apiTicket(e.ticket) };
    case "customer_message":
      return { type: e.type, at, ticketId: e.ticketId, message: apiMessage(e.message) };
    case "customer_typing":
      return { type: e.type, at, ticketId: e.ticketId, conversationId: e.conversationId };
    case "ticket_removed":
      return { type: e.type, at, ticketId: e.ticketId };
  }
}
