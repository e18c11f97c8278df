import { type Migration, migrateSqlite, type SqliteDatabase } from "@seekdesk/store";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "intent examples and settings",
    up: `
      CREATE TABLE desk_intent_examples (
        intent TEXT NOT NULL,
        text TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (intent, text)
      );
      CREATE TABLE desk_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
    `,
  },
];

/** One console edit of an intent's examples: an added utterance, or a domain example taken out. */
export interface ExampleChange {
  intent: string;
  text: string;
  op: "add" | "remove";
}

/**
 * What admins changed from the console, in the server's SQLite database: intent examples (kept as
 * changes on top of the domain's files, which stay untouched) and settings (one row per changed
 * setting, so a setting never touched follows the shipped default).
 */
export class DeskAdminStore {
  constructor(private readonly db: SqliteDatabase) {
    migrateSqlite(db, "desk_admin", MIGRATIONS);
  }

  exampleChanges(): ExampleChange[] {
    return this.db
      .prepare("SELECT intent, text, op FROM desk_intent_examples ORDER BY at, rowid")
      .all() as ExampleChange[];
  }

  /** Records `change`, replacing an earlier one for the same utterance. */
  recordExample(change: ExampleChange): void {
    this.db
      .prepare(
        `INSERT INTO desk_intent_examples (intent, text, op) VALUES (?, ?, ?)
         ON CONFLICT(intent, text) DO UPDATE SET op = excluded.op, at = excluded.at`,
      )
      .run(change.intent, change.text, change.op);
  }

  /** Forgets the change for an utterance (re-adding a removed domain example, removing an added one). */
  forgetExample(intent: string, text: string): void {
    this.db.prepare("DELETE FROM desk_intent_examples WHERE intent = ? AND text = ?").run(intent, text);
  }

  settings(): Record<string, unknown> {
    const rows = this.db.prepare("SELECT name, value FROM desk_settings").all() as {
      name: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
  }

  saveSettings(values: Record<string, unknown>): void {
    const put = this.db.prepare(
      `INSERT INTO desk_settings (name, value) VALUES (?, ?)
       ON CONFLICT(name) DO UPDATE SET value = excluded.value, at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    );
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(values)) put.run(name, JSON.stringify(value));
    })();
  }
}
