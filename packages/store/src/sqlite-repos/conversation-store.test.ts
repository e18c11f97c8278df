import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { conversationStoreContract } from "../testing/conversation-store-contract.ts";
import { openSqliteConversationStore } from "./conversation-store.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-convstore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
conversationStoreContract("SQLite", async () =>
  openSqliteConversationStore(join(dir, `store-${n++}.sqlite`)),
);

describe("SQLite conversation store", () => {
  it("keeps messages and tickets across a reopen of the same file", async () => {
    const file = join(dir, "reopen.sqlite");
    const a = openSqliteConversationStore(file);
    const c = await a.createConversation({ userId: "u1" });
    await a.appendMessage(c.id, { role: "user", text: "hi", idempotencyKey: "k" });
    const t = await a.openTicket({ conversationId: c.id, reason: "r", summary: "s" });
    await a.close();
    const b = openSqliteConversationStore(file);
    expect((await b.listMessages(c.id)).map((m) => m.text)).toEqual(["hi"]);
    expect((await b.listQueue()).map((q) => q.id)).toEqual([t.id]);
    expect((await b.appendMessage(c.id, { role: "user", text: "hi", idempotencyKey: "k" })).duplicate).toBe(
      true,
    );
    await b.close();
  });
});
