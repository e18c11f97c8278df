import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) a SQLite file set up for a server: WAL so readers never block the
 * writer, a busy timeout instead of SQLITE_BUSY errors under load, and foreign keys on.
 * `:memory:` works too, for throwaway databases.
 */
export function openSqlite(file: string, opts: { readonly?: boolean } = {}): SqliteDatabase {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false });
  if (!opts.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  return db;
}
