import { type Migration, migrateSqlite, type SqliteDatabase } from "@seekdesk/store";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "feedback",
    up: `
      CREATE TABLE console_ratings (
        conversation_id TEXT PRIMARY KEY,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE console_intent_feedback (
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        corrected_intent TEXT,
        agent TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (conversation_id, seq)
      );
    `,
  },
];

/**
 * Customer satisfaction ratings and agents' verdicts on the bot's intent, the two inputs of the
 * analytics that the conversation store does not hold. One rating per conversation and one verdict
 * per user turn: a second submission replaces the first.
 */
export class FeedbackStore {
  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "console", MIGRATIONS);
  }

  rate(conversationId: string, rating: number, comment?: string): void {
    this.db
      .prepare(
        `INSERT INTO console_ratings (conversation_id, rating, comment) VALUES (?, ?, ?)
         ON CONFLICT(conversation_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
         at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(conversationId, rating, comment ?? null);
  }

  judgeIntent(input: {
    conversationId: string;
    seq: number;
    correct: boolean;
    correctedIntent?: string;
    agent: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO console_intent_feedback (conversation_id, seq, correct, corrected_intent, agent) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(conversation_id, seq) DO UPDATE SET correct = excluded.correct,
         corrected_intent = excluded.corrected_intent, agent = excluded.agent, at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(
        input.conversationId,
        input.seq,
        input.correct ? 1 : 0,
        input.correctedIntent ?? null,
        input.agent,
      );
  }

  ratings(): { rating: number; at: string }[] {
    return this.db.prepare("SELECT rating, at FROM console_ratings").all() as {
      rating: number;
      at: string;
    }[];
  }

  intentFeedback(): { correct: boolean; at: string }[] {
    return (
      this.db.prepare("SELECT correct, at FROM console_intent_feedback").all() as {
        correct: number;
        at: string;
      }[]
    ).map((r) => ({ correct: r.correct === 1, at: r.at }));
  }
}
