import type { SqliteDatabase } from "./sqlite.ts";

/**
 * A numbered, forward-only schema change. Each package owns a `domain` (keys, conversations,
 * knowledge, ...) with its own numbering, so packages never renumber each other's migrations.
 */
export interface Migration {
  version: number;
  name: string;
  /** SQL run inside one transaction together with the bookkeeping row. */
  up: string;
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  domain TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (domain, version)
)`;

/** Applies the migrations of `domain` not yet applied, in version order; returns how many ran. */
export function migrateSqlite(db: SqliteDatabase, domain: string, migrations: readonly Migration[]): number {
  db.exec(BOOKKEEPING);
  const versions = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version < 1)
      throw new Error(`${domain}: bad migration version ${m.version}`);
    if (versions.has(m.version)) throw new Error(`${domain}: duplicate migration version ${m.version}`);
    versions.add(m.version);
  }
  const applied = new Set(
    (
      db.prepare("SELECT version FROM schema_migrations WHERE domain = ?").all(domain) as {
        version: number;
      }[]
    ).map((r) => r.version),
  );
  const record = db.prepare("INSERT INTO schema_migrations (domain, version, name) VALUES (?, ?, ?)");
  let ran = 0;
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.up);
      record.run(domain, m.version, m.name);
    })();
    ran++;
  }
  return ran;
}
