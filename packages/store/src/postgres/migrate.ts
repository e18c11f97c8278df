import type pg from "pg";
import type { Migration } from "../migrations.ts";

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  domain TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (domain, version)
)`;

/**
 * The Postgres twin of `migrateSqlite`: same bookkeeping table, same rules. An advisory lock keyed
 * by the domain serialises servers that start together against one database.
 */
export async function migratePostgres(
  pool: pg.Pool,
  domain: string,
  migrations: readonly Migration[],
): Promise<number> {
  const versions = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version < 1)
      throw new Error(`${domain}: bad migration version ${m.version}`);
    if (versions.has(m.version)) throw new Error(`${domain}: duplicate migration version ${m.version}`);
    versions.add(m.version);
  }
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`seekdesk:migrate:${domain}`]);
    try {
      await client.query(BOOKKEEPING);
      const { rows } = await client.query<{ version: number }>(
        "SELECT version FROM schema_migrations WHERE domain = $1",
        [domain],
      );
      const applied = new Set(rows.map((r) => r.version));
      let ran = 0;
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.up);
          await client.query("INSERT INTO schema_migrations (domain, version, name) VALUES ($1, $2, $3)", [
            domain,
            m.version,
            m.name,
          ]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        ran++;
      }
      return ran;
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`seekdesk:migrate:${domain}`]);
    }
  } finally {
    client.release();
  }
}
