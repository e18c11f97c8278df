import type { TranscriptMessage } from "./agent-types.ts";

/** What the bot understood of one customer turn: shown beside the turn in the agent's transcript. */
export interface TurnView {
  intent: string | null;
  confidence: number | null;
  outOfScope: boolean;
  sentiment: number | null;
}

type Meta = NonNullable<TranscriptMessage["meta"]>;

function sentimentScore(s: Meta["sentiment"]): number | null {
  if (s === undefined || s === null) return null;
  return typeof s === "number" ? s : s.score;
}

/**
 * The bot records its reading of a customer turn on its reply (`meta.replyTo` = the turn's seq),
 * so the agent's view pairs each customer message with the bot message that answered it.
 */
export function botViewByTurn(messages: readonly TranscriptMessage[]): Map<number, TurnView> {
  const views = new Map<number, TurnView>();
  for (const m of messages) {
    const meta = m.meta;
    if (m.role !== "bot" || !meta || typeof meta.replyTo !== "number" || views.has(meta.replyTo)) continue;
    views.set(meta.replyTo, {
      intent: meta.intent ?? null,
      confidence: typeof meta.confidence === "number" ? meta.confidence : null,
      outOfScope: meta.oos === true,
      sentiment: sentimentScore(meta.sentiment),
    });
  }
  return views;
}

/** The customer's sentiment over their turns, oldest first, for the trend line. */
export function sentimentTrend(messages: readonly TranscriptMessage[]): number[] {
  const views = botViewByTurn(messages);
  const out: number[] = [];
  for (const m of messages) {
    if (m.role !== "user") continue;
    const s = views.get(m.seq)?.sentiment ?? sentimentScore(m.meta?.sentiment);
    if (s !== null && s !== undefined) out.push(s);
  }
  return out;
}

/** The words and number formats a turn is described with: the workspace passes the UI language's. */
export interface TurnWords {
  outOfScope: string;
  sentimentOf: (score: string) => string;
  fmt: { percent(v: number, digits: number): string; decimal(v: number, digits: number): string };
}

export function describeTurn(v: TurnView, w: TurnWords): string {
  const parts = [v.outOfScope || !v.intent ? w.outOfScope : v.intent];
  if (v.confidence !== null) parts.push(w.fmt.percent(v.confidence, 0));
  if (v.sentiment !== null) parts.push(w.sentimentOf(w.fmt.decimal(v.sentiment, 2)));
  return parts.join(" · ");
}
