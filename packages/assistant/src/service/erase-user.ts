import type { ConversationStore, DeleteUserResult } from "@seekdesk/store";
import { HandoffQueue } from "../handoff/queue.ts";
import type { DeskEventBus } from "./events.ts";

/**
 * Erases everything stored about a user (a data-subject request) and tells the live streams, so
 * no screen keeps showing what was erased: each of the user's tickets is `ticket_removed` for the
 * agents (closed ones too, which an agent may still have open), each conversation's stream gets
 * `deleted` and ends, and customers still waiting hear their new queue position.
 *
 * Shared by the HTTP API (the server's bus) and `seekdesk users delete` (on Postgres a bus that
 * NOTIFYs every server; on SQLite the CLI reaches no server, see docs/API.md).
 */
export async function eraseUserData(
  store: ConversationStore,
  bus: DeskEventBus,
  userId: string,
): Promise<DeleteUserResult> {
  // What to announce is read before the rows go; a conversation started in between is erased
  // unannounced, and its stream finds it gone on its next resync or reconnect.
  const [conversations, tickets] = await Promise.all([
    store.listConversations({ userId }),
    store.listTickets().then((all) => all.filter((t) => t.userId === userId)),
  ]);
  const result = await store.deleteUser(userId);
  for (const t of tickets) bus.publishAgents({ type: "ticket_removed", ticketId: t.id });
  for (const c of conversations) bus.publish(c.id, { type: "deleted" });
  if (tickets.some((t) => t.status === "queued")) await new HandoffQueue(store, bus).broadcastPositions();
  return result;
}
