/** An agent's verdict on the bot's intent for one user turn. */
export interface IntentVerdictRow {
  conversationId: string;
  seq: number;
  correct: boolean;
  correctedIntent?: string;
  /** Who judged (the principal's id). */
  agent: string;
}

/** What is kept about some conversations, for a user's data export. */
export interface ConversationFeedback {
  /** The customer's own rating and comment, `at` ISO 8601. */
  ratings: { conversationId: string; rating: number; comment: string | null; at: string }[];
  /**
   * Agents' verdicts on the bot's reading of the customer's turns; who judged is left out (that
   * is the agent's data, not the customer's).
   */
  intentVerdicts: {
    conversationId: string;
    seq: number;
    correct: boolean;
    correctedIntent: string | null;
    at: string;
  }[];
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
  /** Everything kept about these conversations, ordered by conversation and turn. */
  forConversations(conversationIds: readonly string[]): Promise<ConversationFeedback>;
  /** Erases the ratings and verdicts of these conversations (a user's erasure); returns the counts. */
  deleteConversations(
    conversationIds: readonly string[],
  ): Promise<{ ratings: number; intentVerdicts: number }>;
  close(): Promise<void>;
}
