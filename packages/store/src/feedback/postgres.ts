import pg from "pg";
import { migratePostgres } from "../postgres/migrate.ts";
import { POSTGRES_FEEDBACK_MIGRATIONS } from "./schema.ts";
import type { FeedbackRepository, IntentVerdictRow } from "./types.ts";

/** Ratings and intent verdicts in Postgres, shared by every replica (analytics read them per request). */
export class PostgresFeedbackRepository implements FeedbackRepository {
  readonly kind = "postgres" as const;
  constructor(readonly pool: pg.Pool) {}

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

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connects, migrates the "feedback" domain and returns the repository (which owns the pool). */
export async function openPostgresFeedbackRepository(
  connectionString: string,
  opts: { max?: number } = {},
): Promise<PostgresFeedbackRepository> {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 2, connectionTimeoutMillis: 5000 });
  pool.on("error", () => undefined);
  try {
    await migratePostgres(pool, "feedback", POSTGRES_FEEDBACK_MIGRATIONS);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresFeedbackRepository(pool);
}
