import { migrateSqlite } from "../migrations.ts";
import type { SqliteDatabase } from "../sqlite.ts";
import { SQLITE_FEEDBACK_MIGRATIONS } from "./schema.ts";
import type { ConversationFeedback, FeedbackRepository, IntentVerdictRow } from "./types.ts";

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

  async forConversations(conversationIds: readonly string[]): Promise<ConversationFeedback> {
    // The ids go in as one JSON array: any number of them, one statement.
    const ids = JSON.stringify(conversationIds);
    const ratings = this.db
      .prepare(
        `SELECT conversation_id AS conversationId, rating, comment, at FROM console_ratings
         WHERE conversation_id IN (SELECT value FROM json_each(?)) ORDER BY conversation_id`,
      )
      .all(ids) as ConversationFeedback["ratings"];
    const verdicts = this.db
      .prepare(
        `SELECT conversation_id AS conversationId, seq, correct, corrected_intent AS correctedIntent, at
         FROM console_intent_feedback WHERE conversation_id IN (SELECT value FROM json_each(?))
         ORDER BY conversation_id, seq`,
      )
      .all(ids) as (Omit<ConversationFeedback["intentVerdicts"][number], "correct"> & { correct: number })[];
    return { ratings, intentVerdicts: verdicts.map((v) => ({ ...v, correct: v.correct === 1 })) };
  }

  async deleteConversations(
    conversationIds: readonly string[],
  ): Promise<{ ratings: number; intentVerdicts: number }> {
    const ids = JSON.stringify(conversationIds);
    return this.db.transaction(() => ({
      ratings: this.db
        .prepare("DELETE FROM console_ratings WHERE conversation_id IN (SELECT value FROM json_each(?))")
        .run(ids).changes,
      intentVerdicts: this.db
        .prepare(
          "DELETE FROM console_intent_feedback WHERE conversation_id IN (SELECT value FROM json_each(?))",
        )
        .run(ids).changes,
    }))();
  }

  async close(): Promise<void> {}
}
