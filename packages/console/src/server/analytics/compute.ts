/**
 * Service-desk analytics from stored conversations, tickets and feedback. Pure: the plugin loads
 * the rows, this turns them into the report the console charts. Definitions:
 * - resolved by the bot: a conversation with at least one user message and no hand-off ticket;
 * - hand-off rate: conversations with a ticket / conversations with a user message;
 * - reply latency: time from a user message to the bot message that answers it (`replyTo`);
 * - intent accuracy: agents' verdicts on the bot's intent for user turns they reviewed;
 * - satisfaction: mean of the customers' 1–5 ratings;
 * - top intents: the intent on each bot reply (the desk stores what it recognised in the user
 *   message on the reply that answers it), so one count per answered user message.
 */
export interface AnalyticsInput {
  conversations: { id: string; createdAt: string }[];
  tickets: { conversationId: string; createdAt: string }[];
  messages: {
    conversationId: string;
    seq: number;
    role: string;
    createdAt: string;
    metadata: Record<string, unknown>;
  }[];
  intentFeedback: { correct: boolean; at: string }[];
  ratings: { rating: number; at: string }[];
  days: number;
  now: Date;
}

export interface AnalyticsReport {
  days: number;
  totals: {
    conversations: number;
    messages: number;
    handoffs: number;
    resolutionRate: number;
    handoffRate: number;
    intentAccuracy: number | null;
    satisfaction: number | null;
  };
  daily: {
    date: string;
    conversations: number;
    handoffs: number;
    resolutionRate: number;
    p90LatencyMs: number | null;
  }[];
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  topIntents: { intent: string; count: number }[];
}

const DAY = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function computeAnalytics(input: AnalyticsInput): AnalyticsReport {
  const since = new Date(
    Date.UTC(input.now.getUTCFullYear(), input.now.getUTCMonth(), input.now.getUTCDate()) -
      (input.days - 1) * DAY,
  );
  const sinceIso = since.toISOString();
  const inRange = (iso: string) => iso >= sinceIso;

  const conversations = input.conversations.filter((c) => inRange(c.createdAt));
  const ids = new Set(conversations.map((c) => c.id));
  const messages = input.messages.filter((m) => ids.has(m.conversationId));
  const handedOff = new Set(
    input.tickets.filter((t) => ids.has(t.conversationId)).map((t) => t.conversationId),
  );
  const withUser = new Set(messages.filter((m) => m.role === "user").map((m) => m.conversationId));

  const userAt = new Map<string, number>();
  for (const m of messages)
    if (m.role === "user") userAt.set(`${m.conversationId}#${m.seq}`, Date.parse(m.createdAt));
  const latencies: { day: string; ms: number }[] = [];
  const intents = new Map<string, number>();
  for (const m of messages) {
    if (m.role === "bot" && typeof m.metadata.replyTo === "number") {
      const asked = userAt.get(`${m.conversationId}#${m.metadata.replyTo}`);
      if (asked !== undefined)
        latencies.push({ day: dayOf(m.createdAt), ms: Math.max(0, Date.parse(m.createdAt) - asked) });
      if (typeof m.metadata.intent === "string")
        intents.set(m.metadata.intent, (intents.get(m.metadata.intent) ?? 0) + 1);
    }
  }
  const sortedAll = latencies.map((l) => l.ms).sort((a, b) => a - b);

  const daily: AnalyticsReport["daily"] = [];
  for (let i = 0; i < input.days; i++) {
    const date = dayOf(new Date(since.getTime() + i * DAY).toISOString());
    const todays = conversations.filter((c) => dayOf(c.createdAt) === date && withUser.has(c.id));
    const handoffs = todays.filter((c) => handedOff.has(c.id)).length;
    const dayLat = latencies
      .filter((l) => l.day === date)
      .map((l) => l.ms)
      .sort((a, b) => a - b);
    daily.push({
      date,
      conversations: todays.length,
      handoffs,
      resolutionRate: todays.length === 0 ? 0 : (todays.length - handoffs) / todays.length,
      p90LatencyMs: percentile(dayLat, 90),
    });
  }

  const engaged = withUser.size;
  const handoffs = [...withUser].filter((id) => handedOff.has(id)).length;
  const feedback = input.intentFeedback.filter((f) => inRange(f.at));
  const ratings = input.ratings.filter((r) => inRange(r.at));
  return {
    days: input.days,
    totals: {
      conversations: engaged,
      messages: messages.length,
      handoffs,
      resolutionRate: engaged === 0 ? 0 : (engaged - handoffs) / engaged,
      handoffRate: engaged === 0 ? 0 : handoffs / engaged,
      intentAccuracy:
        feedback.length === 0 ? null : feedback.filter((f) => f.correct).length / feedback.length,
      satisfaction: ratings.length === 0 ? null : ratings.reduce((s, r) => s + r.rating, 0) / ratings.length,
    },
    daily,
    latencyMs: {
      p50: percentile(sortedAll, 50),
      p90: percentile(sortedAll, 90),
      p99: percentile(sortedAll, 99),
    },
    topIntents: [...intents.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([intent, count]) => ({ intent, count })),
  };
}
