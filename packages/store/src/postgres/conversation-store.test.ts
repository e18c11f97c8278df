import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationStoreContract } from "../testing/conversation-store-contract.ts";
import { startTestPostgres, type TestPostgres } from "../testing/postgres.ts";
import { openPostgresConversationStore } from "./conversation-store.ts";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

let n = 0;
conversationStoreContract("Postgres", async () =>
  openPostgresConversationStore(await server.createDatabase(`conv_${n++}`)),
);

describe("Postgres conversation store", () => {
  it("migrates once into schema_migrations and reopens the same database", async () => {
    const url = await server.createDatabase("conv_reopen");
    const a = await openPostgresConversationStore(url);
    const c = await a.createConversation({ userId: "u1" });
    await a.appendMessage(c.id, { role: "user", text: "hi" });
    await a.close();
    const b = await openPostgresConversationStore(url);
    expect((await b.listMessages(c.id)).map((m) => m.text)).toEqual(["hi"]);
    await b.close();
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT domain, version FROM schema_migrations ORDER BY version");
    await client.end();
    expect(rows).toEqual([
      { domain: "conversations", version: 1 },
      { domain: "conversations", version: 2 },
    ]);
  });
});
