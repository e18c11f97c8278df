import { migrateSqlite } from "../migrations.ts";
import type { SqliteDatabase } from "../sqlite.ts";
import { SQLITE_DESK_ADMIN_MIGRATIONS } from "./schema.ts";
import type { DeskAdminRepository, ExampleChange } from "./types.ts";

/** The desk's admin changes in the server's SQLite file (the gateway owns and closes the handle). */
export class SqliteDeskAdminRepository implements DeskAdminRepository {
  readonly kind = "sqlite" as const;
  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "desk_admin", SQLITE_DESK_ADMIN_MIGRATIONS);
  }

  async exampleChanges(): Promise<ExampleChange[]> {
    return this.db
      .prepare("SELECT intent, text, op FROM desk_intent_examples ORDER BY at, rowid")
      .all() as ExampleChange[];
  }

  async recordExample(change: ExampleChange): Promise<void> {
    // Delete and insert rather than upsert: the new row's rowid puts a change made again last even
    // when it lands in the same millisecond as the one before (ties on `at` go by rowid).
    this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM desk_intent_examples WHERE intent = ? AND text = ?")
        .run(change.intent, change.text);
      this.db
        .prepare("INSERT INTO desk_intent_examples (intent, text, op) VALUES (?, ?, ?)")
        .run(change.intent, change.text, change.op);
    })();
  }

  async forgetExample(intent: string, text: string): Promise<void> {
    this.db.prepare("DELETE FROM desk_intent_examples WHERE intent = ? AND text = ?").run(intent, text);
  }

  async settings(): Promise<Record<string, unknown>> {
    const rows = this.db.prepare("SELECT name, value FROM desk_settings").all() as {
      name: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
  }

  async saveSettings(values: Record<string, unknown>): Promise<void> {
    const put = this.db.prepare(
      `INSERT INTO desk_settings (name, value) VALUES (?, ?)
       ON CONFLICT(name) DO UPDATE SET value = excluded.value, at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    );
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(values)) put.run(name, JSON.stringify(value));
    })();
  }

  async recordTraining(): Promise<number> {
    const row = this.db
      .prepare(
        `INSERT INTO desk_training (id, generation) VALUES (1, 1)
         ON CONFLICT(id) DO UPDATE SET generation = generation + 1 RETURNING generation`,
      )
      .get() as { generation: number };
    return row.generation;
  }

  async trainingGeneration(): Promise<number> {
    const row = this.db.prepare("SELECT generation FROM desk_training WHERE id = 1").get() as
      | { generation: number }
      | undefined;
    return row?.generation ?? 0;
  }

  async close(): Promise<void> {}
}
