import { type ConversationStore, openPostgresConversationStore } from "@seekdesk/store";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDesk } from "../handoff/agent-desk.ts";
import { ConversationService } from "./conversation-service.ts";
import { createEmbeddedAssistant } from "./embedded.ts";

let pg: TestPostgres;
let store: ConversationStore;
let service: ConversationService;
let desk: AgentDesk;

beforeAll(async () => {
  pg = await startTestPostgres();
  store = await openPostgresConversationStore(await pg.createDatabase("desk"));
  service = new ConversationService({ store, assistant: createEmbeddedAssistant().assistant });
  desk = new AgentDesk(store, service.bus, service.queue, service.lock);
});
afterAll(async () => {
  await store?.close();
  await pg?.stop();
});

describe("ConversationService on Postgres", () => {
  it("runs turns, retries and a hand-off round trip exactly as on SQLite", async () => {
    const text = (t: string) => ({ kind: "text" as const, text: t });
    const first = await service.postMessage({
      userId: "pg-u",
      input: text("我叫李雷，订单SD20260003还没到"),
      idempotencyKey: "a",
    });
    const conv = first.conversation.id;
    const again = await service.postMessage({
      conversationId: conv,
      userId: "pg-u",
      input: text("x"),
      idempotencyKey: "a",
    });
    expect(again).toMatchObject({ duplicate: true, message: { seq: 1 }, replies: [{ seq: 2 }] });
    const h = await service.postMessage({ conversationId: conv, userId: "pg-u", input: text("转人工") });
    expect(h.queue?.position).toBe(1);
    const ticketId = h.queue?.ticketId ?? "";
    expect((await desk.detail(ticketId)).profile).toMatchObject({ name: "李雷", pastOrders: ["SD20260003"] });
    await desk.accept(ticketId, "agent-pg");
    await desk.reply(ticketId, "agent-pg", "您好");
    await desk.close(ticketId, "agent-pg");
    const resumed = await service.postMessage({ conversationId: conv, userId: "pg-u", input: text("谢谢") });
    expect(resumed.replies).toHaveLength(1);
    expect((await store.listMessages(conv)).map((m) => m.role)).toEqual([
      "user",
      "bot",
      "user",
      "bot",
      "system",
      "agent",
      "system",
      "user",
      "bot",
    ]);
    expect((await store.exportUser("pg-u")).tickets[0].status).toBe("closed");
  });
});
