import { NotFoundError, UnavailableError } from "@seekdesk/core";
import { customerIdOf, type GatewayContext } from "@seekdesk/gateway";
import {
  type ConversationStore,
  type FeedbackRepository,
  openPostgresFeedbackRepository,
  SqliteFeedbackRepository,
} from "@seekdesk/store";
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { computeAnalytics } from "./compute.ts";
import { writeWhileConversationExists } from "./feedback-writes.ts";

const Rating = z.object({ rating: z.number().int().min(1).max(5), comment: z.string().max(2000).optional() });
const IntentVerdict = z.object({
  conversationId: z.string().min(1),
  seq: z.number().int().positive(),
  correct: z.boolean(),
  correctedIntent: z.string().max(100).optional(),
});

/**
 * Ratings and verdicts where the config keeps the rest: the server's SQLite file, or the shared
 * Postgres through the gateway's pool (`ctx.postgres`).
 */
export async function openFeedbackRepository(ctx: GatewayContext): Promise<FeedbackRepository> {
  if (ctx.config.store.driver === "postgres")
    return openPostgresFeedbackRepository(ctx.postgres ?? (ctx.config.store.url as string));
  return new SqliteFeedbackRepository(ctx.db);
}

/** Mounts the analytics, rating and intent-verdict routes over `feedback` (the caller closes it). */
export function registerAnalyticsRoutes(
  app: Hono,
  ctx: GatewayContext,
  guards: { viewer: MiddlewareHandler; agent: MiddlewareHandler; customer: MiddlewareHandler },
  conversations: () => ConversationStore | null,
  feedback: FeedbackRepository,
): void {
  const store = () => {
    const s = conversations();
    if (!s) throw new UnavailableError("The conversation service is not running", "no_conversation_service");
    return s;
  };

  app.get("/api/analytics", guards.viewer, async (c) => {
    const days = Math.min(90, Math.max(1, Number(c.req.query("days") ?? 14) || 14));
    const s = store();
    const [convs, tickets, intentFeedback, ratings] = await Promise.all([
      s.listConversations(),
      s.listTickets(),
      feedback.intentFeedback(),
      feedback.ratings(),
    ]);
    const since = Date.now() - (days + 1) * 86_400_000;
    const recent = convs.filter((cv) => Date.parse(cv.createdAt) >= since);
    const messages = (await Promise.all(recent.map((cv) => s.listMessages(cv.id)))).flat();
    return c.json(
      computeAnalytics({
        conversations: recent,
        tickets,
        messages,
        intentFeedback,
        ratings,
        days,
        now: new Date(),
      }),
    );
  });

  app.post("/api/conversations/:id/rating", guards.customer, async (c) => {
    const id = c.req.param("id");
    const body = await ctx.readJson(c, Rating);
    const conversation = await store().getConversation(id);
    // A customer (widget visitor, or a session without a desk role) rates only their own
    // conversation; someone else's reads as missing, as on the conversation API.
    const p = c.get("principal");
    const customer =
      p.kind === "widget" || (p.kind === "session" && !p.roles.some((r) => r === "agent" || r === "admin"));
    if (!conversation || (customer && conversation.userId !== customerIdOf(p)))
      throw new NotFoundError(`No conversation ${id}`, "conversation_not_found");
    const kept = await writeWhileConversationExists(store(), feedback, id, () =>
      feedback.rate(id, body.rating, body.comment),
    );
    if (!kept) throw new NotFoundError(`No conversation ${id}`, "conversation_not_found");
    return c.json({ ok: true });
  });

  app.post("/api/agent/feedback/intent", guards.agent, async (c) => {
    const body = await ctx.readJson(c, IntentVerdict);
    if (!(await store().getConversation(body.conversationId))) {
      throw new NotFoundError(`No conversation ${body.conversationId}`, "conversation_not_found");
    }
    const kept = await writeWhileConversationExists(store(), feedback, body.conversationId, () =>
      feedback.judgeIntent({ ...body, agent: c.get("principal").id }),
    );
    if (!kept) throw new NotFoundError(`No conversation ${body.conversationId}`, "conversation_not_found");
    return c.json({ ok: true });
  });
}
