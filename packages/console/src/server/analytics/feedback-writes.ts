import type { ConversationStore, FeedbackRepository } from "@seekdesk/store";

/**
 * Runs `write` (a rating or an intent verdict on `conversationId`) and keeps it only if the
 * conversation still exists afterwards; returns whether it was kept.
 *
 * A user's erasure deletes their conversations, then the feedback on them. A write that passed
 * the route's existence check just before the erasure and lands just after it would outlive the
 * user: feedback is kept apart from the conversations, by id, with nothing tying the two. Looking
 * again after the write closes that window: either the conversation is still there now, so the
 * erasure's delete of the feedback comes after this write, or it is gone and what was written is
 * removed here.
 */
export async function writeWhileConversationExists(
  store: ConversationStore,
  feedback: FeedbackRepository,
  conversationId: string,
  write: () => Promise<void>,
): Promise<boolean> {
  await write();
  if (await store.getConversation(conversationId)) return true;
  await feedback.deleteConversations([conversationId]);
  return false;
}
