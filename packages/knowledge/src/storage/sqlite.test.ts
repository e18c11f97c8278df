import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { knowledgeStoreContract } from "../testing/knowledge-store-contract.ts";
import { SqliteKnowledgeStore } from "./sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-kbstore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
knowledgeStoreContract("SQLite", async () => {
  const file = join(dir, `kb-${n++}.sqlite`);
  return async () => SqliteKnowledgeStore.open({ file });
});
