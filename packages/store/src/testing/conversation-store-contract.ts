import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationStore } from "../repositories/types.ts";

/**
 * One behavioural suite for every ConversationStore adapter, so SQLite and Postgres cannot drift.
 * `open` returns a fresh, empty store each call.
 */
export function conversationStoreContract(name: string, open: () => Promise<ConversationStore>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let store: ConversationStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it("creates conversations and appends messages with gap-free per-conversation sequence numbers", async () => {
      const a = await store.createConversation({ userId: "u-seq", channel: "web" });
      const b = await store.createConversation({ userId: "u-seq" });
      expect(a.status).toBe("bot");
      expect(b.channel).toBe("web");
      await store.appendMessage(a.id, { role: "user", text: "你好" });
      await store.appendMessage(b.id, { role: "user", text: "hello" });
      const r = await store.appendMessage(a.id, {
        role: "bot",
        text: "您好！",
        metadata: { intent: "greet", confidence: 0.91, replyTo: 1, citations: [{ docId: "d1" }] },
      });
      expect(r).toMatchObject({ duplicate: false, message: { seq: 2, role: "bot" } });
      const msgs = await store.listMessages(a.id);
      expect(msgs.map((m) => [m.seq, m.role, m.text])).toEqual([
        [1, "user", "你好"],
        [2, "bot", "您好！"],
      ]);
      expect(msgs[1].metadata).toEqual({
        intent: "greet",
        confidence: 0.91,
        replyTo: 1,
        citations: [{ docId: "d1" }],
      });
      expect((await store.listMessages(b.id)).map((m) => m.seq)).toEqual([1]);
      expect((await store.listMessages(a.id, { afterSeq: 1 })).map((m) => m.seq)).toEqual([2]);
      expect((await store.recentMessages(a.id, 1)).map((m) => m.seq)).toEqual([2]);
    });

    it("never duplicates a message retried with the same idempotency key, even concurrently", async () => {
      const c = await store.createConversation({ userId: "u-idem" });
      const first = await store.appendMessage(c.id, {
        role: "user",
        text: "where is my order",
        idempotencyKey: "k1",
      });
      const again = await store.appendMessage(c.id, {
        role: "user",
        text: "where is my order",
        idempotencyKey: "k1",
      });
      expect(again.duplicate).toBe(true);
      expect(again.message.seq).toBe(first.message.seq);
      const racing = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.appendMessage(c.id, { role: "user", text: "x", idempotencyKey: "k2" }),
        ),
      );
      expect(racing.filter((r) => !r.duplicate)).toHaveLength(1);
      const next = await store.appendMessage(c.id, { role: "user", text: "y" });
      // The duplicate attempts consumed no sequence numbers.
      expect(next.message.seq).toBe(3);
      expect((await store.listMessages(c.id)).map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    it("rejects messages for an unknown conversation with a not-found error", async () => {
      await expect(store.appendMessage("conv_missing", { role: "user", text: "hi" })).rejects.toMatchObject({
        status: 404,
      });
      expect(await store.getConversation("conv_missing")).toBeNull();
    });

    it("saves and reloads dialogue state snapshots", async () => {
      const c = await store.createConversation({ userId: "u-state" });
      expect(await store.loadState(c.id)).toBeNull();
      await store.saveState(c.id, { intent: "return", slots: { order_id: "A123" } });
      await store.saveState(c.id, { intent: "return", slots: { order_id: "A124" }, turn: 2 });
      expect(await store.loadState(c.id)).toEqual({ intent: "return", slots: { order_id: "A124" }, turn: 2 });
      await store.appendMessage(
        c.id,
        { role: "bot", text: "ok", idempotencyKey: "r1" },
        { state: { turn: 3 } },
      );
      expect(await store.loadState(c.id)).toEqual({ turn: 3 });
      // A duplicate append writes neither the message nor the state.
      await store.appendMessage(
        c.id,
        { role: "bot", text: "ok", idempotencyKey: "r1" },
        { state: { turn: 99 } },
      );
      expect(await store.loadState(c.id)).toEqual({ turn: 3 });
    });

    it("merges profiles, exports everything about a user and deletes it all", async () => {
      await store.mergeProfile("u-gdpr", { name: "Li Lei", language: "zh" });
      const merged = await store.mergeProfile("u-gdpr", { language: "en", orders: ["A1"], name: null });
      expect(merged.data).toEqual({ language: "en", orders: ["A1"] });
      const c = await store.createConversation({ userId: "u-gdpr" });
      await store.appendMessage(c.id, { role: "user", text: "我要退款" });
      await store.saveState(c.id, { intent: "refund" });
      await store.openTicket({ conversationId: c.id, reason: "explicit_request", summary: "wants a refund" });
      const other = await store.createConversation({ userId: "u-other" });
      await store.appendMessage(other.id, { role: "user", text: "keep me" });

      const exported = await store.exportUser("u-gdpr");
      expect(exported.profile?.data).toEqual({ language: "en", orders: ["A1"] });
      expect(exported.conversations).toHaveLength(1);
      expect(exported.conversations[0].messages.map((m) => m.text)).toEqual(["我要退款"]);
      expect(exported.tickets.map((t) => t.summary)).toEqual(["wants a refund"]);
      expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);

      const deleted = await store.deleteUser("u-gdpr");
      expect(deleted).toEqual({ conversations: 1, messages: 1, tickets: 1, profile: true });
      expect(await store.getProfile("u-gdpr")).toBeNull();
      expect(await store.getConversation(c.id)).toBeNull();
      expect(await store.listMessages(c.id)).toEqual([]);
      expect(await store.loadState(c.id)).toBeNull();
      expect(await store.exportUser("u-gdpr")).toMatchObject({
        profile: null,
        conversations: [],
        tickets: [],
      });
      expect((await store.listMessages(other.id)).map((m) => m.text)).toEqual(["keep me"]);
    });

    it("runs a ticket through queue, assignment, transfer and close, with the conversation status following", async () => {
      const c1 = await store.createConversation({ userId: "u-t1" });
      const c2 = await store.createConversation({ userId: "u-t2" });
      const t1 = await store.openTicket({
        conversationId: c1.id,
        reason: "low_confidence",
        summary: "asked about customs",
        state: { intent: null },
        sentiment: { score: -0.2, label: "negative" },
        profile: { name: "Ann" },
      });
      const t2 = await store.openTicket({
        conversationId: c2.id,
        reason: "explicit_request",
        summary: "human please",
      });
      expect(t1).toMatchObject({ status: "queued", agentId: null, userId: "u-t1", profile: { name: "Ann" } });
      expect((await store.getConversation(c1.id))?.status).toBe("waiting");
      await expect(
        store.openTicket({ conversationId: c1.id, reason: "again", summary: "" }),
      ).rejects.toMatchObject({
        status: 409,
      });
      const queue = (await store.listQueue()).map((t) => t.id);
      expect(queue.indexOf(t1.id)).toBeLessThan(queue.indexOf(t2.id));
      expect((await store.activeTicketFor(c1.id))?.id).toBe(t1.id);

      const assigned = await store.assignTicket(t1.id, "agent-a");
      expect(assigned).toMatchObject({ status: "assigned", agentId: "agent-a" });
      expect(assigned.assignedAt).not.toBeNull();
      expect((await store.getConversation(c1.id))?.status).toBe("agent");
      await expect(store.assignTicket(t1.id, "agent-b")).rejects.toMatchObject({ status: 409 });
      expect((await store.listQueue()).map((t) => t.id)).not.toContain(t1.id);

      const moved = await store.transferTicket(t1.id, { to: "agent-b", note: "billing expert" });
      expect(moved.agentId).toBe("agent-b");
      expect(moved.transfers).toMatchObject([{ from: "agent-a", to: "agent-b", note: "billing expert" }]);
      const requeued = await store.transferTicket(t1.id, { to: null });
      expect(requeued.status).toBe("queued");
      expect(requeued.transfers).toHaveLength(2);
      expect((await store.getConversation(c1.id))?.status).toBe("waiting");
      await store.assignTicket(t1.id, "agent-c");
      expect((await store.listTickets({ agentId: "agent-c" })).map((t) => t.id)).toEqual([t1.id]);
      expect((await store.listTickets({ userId: "u-t2" })).map((t) => t.id)).toEqual([t2.id]);
      expect(await store.listTickets({ userId: "u-t2", status: "assigned" })).toEqual([]);

      const closed = await store.closeTicket(t1.id);
      expect(closed.status).toBe("closed");
      expect(closed.closedAt).not.toBeNull();
      expect((await store.getConversation(c1.id))?.status).toBe("bot");
      expect(await store.activeTicketFor(c1.id)).toBeNull();
      await expect(store.closeTicket(t1.id)).rejects.toMatchObject({ status: 409 });
      await expect(store.assignTicket("tkt_missing", "a")).rejects.toMatchObject({ status: 404 });

      const waits = await store.recentWaitTimes(10);
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits.every((w) => w >= 0)).toBe(true);
      // A new ticket may be opened once the previous one is closed.
      const t3 = await store.openTicket({
        conversationId: c1.id,
        reason: "negative_sentiment",
        summary: "angry",
      });
      expect(t3.status).toBe("queued");
    });
  });
}
