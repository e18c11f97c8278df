import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateSqlite } from "./migrations.ts";
import { openSqlite } from "./sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-store-"));
  dirs.push(dir);
  return join(dir, "nested", "db.sqlite");
}

describe("SQLite migrations", () => {
  it("applies each migration once, in order, and survives a reopen", () => {
    const file = tempDb();
    const migrations = [
      { version: 2, name: "add email", up: "ALTER TABLE users ADD COLUMN email TEXT" },
      { version: 1, name: "users", up: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)" },
    ];
    const db = openSqlite(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(migrateSqlite(db, "users", migrations)).toBe(2);
    db.prepare("INSERT INTO users (name, email) VALUES (?, ?)").run("Li", "li@example.com");
    db.close();

    const again = openSqlite(file);
    expect(migrateSqlite(again, "users", migrations)).toBe(0);
    expect(again.prepare("SELECT email FROM users").get()).toEqual({ email: "li@example.com" });
    again.close();
  });

  it("rolls back a failing migration and leaves earlier ones applied", () => {
    const db = openSqlite(tempDb());
    const bad = [
      { version: 1, name: "t", up: "CREATE TABLE t (x INTEGER)" },
      { version: 2, name: "broken", up: "CREATE TABLE u (y INTEGER); SELECT * FROM missing_table" },
    ];
    expect(() => migrateSqlite(db, "d", bad)).toThrow(/missing_table/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as {
      name: string;
    }[];
    expect(tables.map((t) => t.name)).toContain("t");
    expect(tables.map((t) => t.name)).not.toContain("u");
    db.close();
  });

  it("rejects duplicate versions", () => {
    const db = openSqlite(":memory:");
    const dup = [
      { version: 1, name: "a", up: "SELECT 1" },
      { version: 1, name: "b", up: "SELECT 1" },
    ];
    expect(() => migrateSqlite(db, "d", dup)).toThrow(/duplicate/);
    db.close();
  });
});
