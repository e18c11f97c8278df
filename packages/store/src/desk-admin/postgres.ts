import { migratedPostgresDatabase, type PostgresDatabase } from "../postgres/database.ts";
import { PostgresRepository } from "../postgres/repository.ts";
import { DESK_ADMIN_CHANNEL, POSTGRES_DESK_ADMIN_MIGRATIONS } from "./schema.ts";
import type {
  DeskAdminChange,
  DeskAdminChangeSink,
  DeskAdminRepository,
  DeskAdminWatch,
  ExampleChange,
} from "./types.ts";

const CHANGES: readonly string[] = ["examples", "settings", "training"] satisfies DeskAdminChange[];

/**
 * The desk's admin changes in Postgres, shared by every replica. `watch` subscribes, on the
 * database handle's one LISTEN connection, to the channel the tables' triggers notify.
 */
export class PostgresDeskAdminRepository extends PostgresRepository implements DeskAdminRepository {
  async exampleChanges(): Promise<ExampleChange[]> {
    const { rows } = await this.pool.query<ExampleChange>(
      "SELECT intent, text, op FROM desk_intent_examples ORDER BY seq",
    );
    return rows;
  }

  async recordExample(change: ExampleChange): Promise<void> {
    await this.pool.query(
      `INSERT INTO desk_intent_examples (intent, text, op) VALUES ($1, $2, $3)
       ON CONFLICT (intent, text) DO UPDATE SET op = excluded.op, at = excluded.at, seq = DEFAULT`,
      [change.intent, change.text, change.op],
    );
  }

  async forgetExample(intent: string, text: string): Promise<void> {
    await this.pool.query("DELETE FROM desk_intent_examples WHERE intent = $1 AND text = $2", [intent, text]);
  }

  async settings(): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<{ name: string; value: unknown }>(
      "SELECT name, value FROM desk_settings",
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  async saveSettings(values: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(values);
    if (entries.length === 0) return;
    // One statement: the values land together and the other replicas hear one notification.
    await this.pool.query(
      `INSERT INTO desk_settings (name, value)
       SELECT key, value FROM jsonb_each($1::jsonb)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = clock_timestamp()`,
      [JSON.stringify(Object.fromEntries(entries))],
    );
  }

  async recordTraining(): Promise<number> {
    const { rows } = await this.pool.query<{ generation: string }>(
      `INSERT INTO desk_training AS t (id, generation) VALUES (true, 1)
       ON CONFLICT (id) DO UPDATE SET generation = t.generation + 1 RETURNING generation`,
    );
    // BIGINT arrives as a string; counts of retrainings fit a double.
    return Number(rows[0].generation);
  }

  async trainingGeneration(): Promise<number> {
    const { rows } = await this.pool.query<{ generation: string }>("SELECT generation FROM desk_training");
    return rows[0] ? Number(rows[0].generation) : 0;
  }

  watch(sink: DeskAdminChangeSink): DeskAdminWatch {
    return this.db.listener.subscribe(DESK_ADMIN_CHANNEL, {
      onNotify: (payload) => {
        if (CHANGES.includes(payload)) sink.changed(payload as DeskAdminChange);
      },
      onGap: (reason, err) => sink.gap(reason, err),
    });
  }
}

/**
 * Migrates the "desk_admin" domain and returns the repository, on the process's shared handle or,
 * for a URL, on a handle of its own (`max` connections) that it closes.
 */
export async function openPostgresDeskAdminRepository(
  target: PostgresDatabase | string,
  opts: { max?: number; reconnectMs?: number } = {},
): Promise<PostgresDeskAdminRepository> {
  const { db, owned } = await migratedPostgresDatabase(
    target,
    {
      poolSize: opts.max ?? 2,
      reconnectMs: opts.reconnectMs,
    },
    "desk_admin",
    POSTGRES_DESK_ADMIN_MIGRATIONS,
  );
  return new PostgresDeskAdminRepository(db, owned);
}
