import { migratedPostgresDatabase, type PostgresDatabase } from "../postgres/database.ts";
import { PostgresRepository } from "../postgres/repository.ts";
import { POSTGRES_FEEDBACK_MIGRATIONS } from "./schema.ts";
import type { ConversationFeedback, FeedbackRepository, IntentVerdictRow } from "./types.ts";

/** Ratings and intent verdicts in Postgres, shared by every replica (analytics read them per request). */
export class PostgresFeedbackRepository extends PostgresRepository implements FeedbackRepository {
  async rate(conversationId: string, rating: number, comment?: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO console_ratings (conversation_id, rating, comment) VALUES ($1, $2, $3)
       ON CONFLICT (conversation_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
       at = now()`,
      [conversationId, rating, comment ?? null],
    );
  }

  async judgeIntent(v: IntentVerdictRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO console_intent_feedback (conversation_id, seq, correct, corrected_intent, agent)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (conversation_id, seq) DO UPDATE SET correct = excluded.correct,
       corrected_intent = excluded.corrected_intent, agent = excluded.agent, at = now()`,
      [v.conversationId, v.seq, v.correct, v.correctedIntent ?? null, v.agent],
    );
  }

  async ratings(): Promise<{ rating: number; at: string }[]> {
    const { rows } = await this.pool.query<{ rating: number; at: Date }>(
      "SELECT rating, at FROM console_ratings",
    );
    return rows.map((r) => ({ rating: r.rating, at: r.at.toISOString() }));
  }

  async intentFeedback(): Promise<{ correct: boolean; at: string }[]> {
    const { rows } = await this.pool.query<{ correct: boolean; at: Date }>(
      "SELECT correct, at FROM console_intent_feedback",
    );
    return rows.map((r) => ({ correct: r.correct, at: r.at.toISOString() }));
  }

  async forConversations(conversationIds: readonly string[]): Promise<ConversationFeedback> {
    const ids = [...conversationIds];
    const [ratings, verdicts] = await Promise.all([
      this.pool.query<{ conversationId: string; rating: number; comment: string | null; at: Date }>(
        `SELECT conversation_id AS "conversationId", rating, comment, at FROM console_ratings
         WHERE conversation_id = ANY($1) ORDER BY conversation_id`,
        [ids],
      ),
      this.pool.query<{
        conversationId: string;
        seq: number;
        correct: boolean;
        correctedIntent: string | null;
        at: Date;
      }>(
        `SELECT conversation_id AS "conversationId", seq, correct, corrected_intent AS "correctedIntent", at
         FROM console_intent_feedback WHERE conversation_id = ANY($1) ORDER BY conversation_id, seq`,
        [ids],
      ),
    ]);
    return {
      ratings: ratings.rows.map((r) => ({ ...r, at: r.at.toISOString() })),
      intentVerdicts: verdicts.rows.map((v) => ({ ...v, at: v.at.toISOString() })),
    };
  }

  async deleteConversations(
    conversationIds: readonly string[],
  ): Promise<{ ratings: number; intentVerdicts: number }> {
    // One statement, so a failure leaves both tables as they were (the erasure can be retried).
    const { rows } = await this.pool.query<{ ratings: number; verdicts: number }>(
      `WITH r AS (DELETE FROM console_ratings WHERE conversation_id = ANY($1) RETURNING 1),
            v AS (DELETE FROM console_intent_feedback WHERE conversation_id = ANY($1) RETURNING 1)
       SELECT (SELECT count(*) FROM r)::int AS ratings, (SELECT count(*) FROM v)::int AS verdicts`,
      [[...conversationIds]],
    );
    const row = rows[0] as { ratings: number; verdicts: number };
    return { ratings: row.ratings, intentVerdicts: row.verdicts };
  }
}

/**
 * Migrates the "feedback" domain and returns the repository, on the process's shared handle or,
 * for a URL, on a handle of its own (`max` connections) that it closes.
 */
export async function openPostgresFeedbackRepository(
  target: PostgresDatabase | string,
  /** With a URL: its own pool's size, and the application_name its connections show in pg_stat_activity. */
  opts: { max?: number; applicationName?: string } = {},
): Promise<PostgresFeedbackRepository> {
  const { db, owned } = await migratedPostgresDatabase(
    target,
    {
      poolSize: opts.max ?? 2,
      applicationName: opts.applicationName,
    },
    "feedback",
    POSTGRES_FEEDBACK_MIGRATIONS,
  );
  return new PostgresFeedbackRepository(db, owned);
}
