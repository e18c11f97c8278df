import { migrateSqlite } from "../migrations.ts";
import type { SqliteDatabase } from "../sqlite.ts";
import { SQLITE_FEEDBACK_MIGRATIONS } from "./schema.ts";
import type { FeedbackRepository, IntentVerdictRow } from "./types.ts";

/** Ratings and intent verdicts in the server's SQLite file (the gateway owns and closes the handle). */
export class SqliteFeedbackRepository implements FeedbackRepository {
  readonly kind = "sqlite" as const;
  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "console", SQLITE_FEEDBACK_MIGRATIONS);
  }

  async rate(conversationId: string, rating: number, comment?: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO console_ratings (conversation_id, rating, comment) VALUES (?, ?, ?)
         ON CONFLICT(conversation_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
         at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(conversationId, rating, comment ?? null);
  }

  async judgeIntent(v: IntentVerdictRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO console_intent_feedback (conversation_id, seq, correct, corrected_intent, agent) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(conversation_id, seq) DO UPDATE SET correct = excluded.correct,
         corrected_intent = excluded.corrected_intent, agent = excluded.agent, at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(v.conversationId, v.seq, v.correct ? 1 : 0, v.correctedIntent ?? null, v.agent);
  }

  async ratings(): Promise<{ rating: number; at: string }[]> {
    return this.db.prepare("SELECT rating, at FROM console_ratings").all() as {
      rating: number;
      at: string;
    }[];
  }

  async intentFeedback(): Promise<{ correct: boolean; at: string }[]> {
    const rows = this.db.prepare("SELECT correct, at FROM console_intent_feedback").all() as {
      correct: number;
      at: string;
    }[];
    return rows.map((r) => ({ correct: r.correct === 1, at: r.at }));
  }

  async close(): Promise<void> {}
}
