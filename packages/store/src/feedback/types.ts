/** An agent's verdict on the bot's intent for one user turn. */
export interface IntentVerdictRow {
  conversationId: string;
  seq: number;
  correct: boolean;
  correctedIntent?: string;
  /** Who judged (the principal's id). */
  agent: string;
}

/**
 * Customer satisfaction ratings and agents' verdicts on the bot's intent, the two inputs of the
 * analytics that the conversation store does not hold. One rating per conversation and one
 * verdict per user turn: a second submission replaces the first. SQLite for one server; Postgres
 * shared by every replica.
 */
export interface FeedbackRepository {
  readonly kind: "sqlite" | "postgres";
  rate(conversationId: string, rating: number, comment?: string): Promise<void>;
  judgeIntent(verdict: IntentVerdictRow): Promise<void>;
  /** `at` is ISO 8601. */
  ratings(): Promise<{ rating: number; at: string }[]>;
  intentFeedback(): Promise<{ correct: boolean; at: string }[]>;
  close(): Promise<void>;
}
