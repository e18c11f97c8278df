import type {
  ConversationFeedback,
  ConversationStore,
  DeleteUserResult,
  FeedbackRepository,
  UserExport,
} from "@seekdesk/store";
import { HandoffQueue } from "../handoff/queue.ts";
import type { DeskEventBus } from "./events.ts";

/** The counts of an erasure: the conversation store's, plus the ratings and intent verdicts. */
export interface UserErasure extends DeleteUserResult {
  ratings: number;
  intentVerdicts: number;
}

/** A user's data export: the conversation store's, plus the feedback kept on their conversations. */
export interface UserDataExport extends UserExport {
  feedback: ConversationFeedback;
}

/**
 * Erases everything stored about a user (a data-subject request) and tells the live streams, so
 * no screen keeps showing what was erased: each of the user's tickets is `ticket_removed` for the
 * agents (closed ones too, which an agent may still have open), each conversation's stream gets
 * `deleted` and ends, and customers still waiting hear their new queue position. The ratings and
 * agents' intent verdicts on the user's conversations go too (kept apart, by conversation id).
 *
 * Shared by the HTTP API (the server's bus) and `seekdesk users delete` (on Postgres a bus that
 * NOTIFYs every server; on SQLite the CLI reaches no server, see docs/API.md).
 */
export async function eraseUserData(
  store: ConversationStore,
  feedback: FeedbackRepository,
  bus: DeskEventBus,
  userId: string,
): Promise<UserErasure> {
  // What to announce is read before the rows go; a conversation started in between is erased
  // unannounced, and its stream finds it gone on its next resync or reconnect.
  const [conversations, tickets] = await Promise.all([
    store.listConversations({ userId }),
    store.listTickets({ userId }),
  ]);
  const ids = conversations.map((c) => c.id);
  // Feedback first: once the conversations are gone nothing tells whose ratings these were, so a
  // failure here must leave them to be found by a retry. Again after, for a rating given meanwhile.
  const first = await feedback.deleteConversations(ids);
  const result = await store.deleteUser(userId);
  const late = await feedback.deleteConversations(ids);
  for (const t of tickets) bus.publishAgents({ type: "ticket_removed", ticketId: t.id });
  for (const c of conversations) bus.publish(c.id, { type: "deleted" });
  if (tickets.some((t) => t.status === "queued")) await new HandoffQueue(store, bus).broadcastPositions();
  return {
    ...result,
    ratings: first.ratings + late.ratings,
    intentVerdicts: first.intentVerdicts + late.intentVerdicts,
  };
}

/** Everything stored about a user, the feedback on their conversations included (GET /api/users/{id}/export). */
export async function exportUserData(
  store: ConversationStore,
  feedback: FeedbackRepository,
  userId: string,
): Promise<UserDataExport> {
  const data = await store.exportUser(userId);
  return { ...data, feedback: await feedback.forConversations(data.conversations.map((c) => c.id)) };
}
