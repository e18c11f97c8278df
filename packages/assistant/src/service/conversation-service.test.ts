import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConversationStore, openSqliteConversationStore } from "@seekdesk/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDesk } from "../handoff/agent-desk.ts";
import { TesseractOcr } from "../inputs/tesseract-ocr.ts";
import type { Assistant } from "../types.ts";
import { ConversationService } from "./conversation-service.ts";
import { createEmbeddedAssistant } from "./embedded.ts";
import type { AgentEvent, ConversationEvent } from "./events.ts";

const dir = mkdtempSync(join(tmpdir(), "seekdesk-service-"));
let assistant: Assistant;
let n = 0;

beforeAll(() => {
  assistant = createEmbeddedAssistant().assistant;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(): { store: ConversationStore; service: ConversationService; desk: AgentDesk } {
  const store = openSqliteConversationStore(join(dir, `s${n++}.sqlite`));
  const service = new ConversationService({ store, assistant, ocr: new TesseractOcr() });
  const desk = new AgentDesk(store, service.bus, service.queue, service.lock);
  return { store, service, desk };
}

const text = (t: string) => ({ kind: "text" as const, text: t });

describe("ConversationService", () => {
  it("hands off to an agent who accepts, replies and closes, then the bot resumes", async () => {
    const { store, service, desk } = setup();
    const agentEvents: AgentEvent[] = [];
    service.bus.subscribeAgents((e) => agentEvents.push(e.event));

    const first = await service.postMessage({ userId: "u1", input: text("我的订单到哪了") });
    const conv = first.conversation.id;
    const customerEvents: ConversationEvent[] = [];
    service.bus.subscribe(conv, (e) => customerEvents.push(e));
    expect(first.replies).toHaveLength(1);
    expect(first.replies[0].metadata).toMatchObject({ intent: "track_order", replyTo: first.message.seq });

    const handoff = await service.postMessage({ conversationId: conv, userId: "u1", input: text("转人工") });
    expect(handoff.conversation.status).toBe("waiting");
    expect(handoff.queue).toMatchObject({ position: 1 });
    expect(handoff.queue?.etaSeconds).toBeGreaterThan(0);
    const opened = agentEvents.find((e) => e.type === "ticket_opened");
    expect(opened).toBeDefined();
    const ticketId = opened?.type === "ticket_opened" ? opened.ticket.id : "";
    expect(customerEvents.some((e) => e.type === "queue" && e.queue.position === 1)).toBe(true);

    // While waiting the bot is silent and the agents see the message.
    const waiting = await service.postMessage({
      conversationId: conv,
      userId: "u1",
      input: text("你好？有人吗"),
    });
    expect(waiting.replies).toEqual([]);
    expect(agentEvents.some((e) => e.type === "customer_message" && e.message.text === "你好？有人吗")).toBe(
      true,
    );

    const detail = await desk.detail(ticketId);
    expect(detail.ticket.reason).toBe("user_request");
    expect(detail.ticket.summary).toContain("转人工");
    expect(detail.transcript.map((m) => m.text)).toContain("我的订单到哪了");

    await desk.accept(ticketId, "agent-li");
    expect((await store.getConversation(conv))?.status).toBe("agent");
    const agentMsg = await desk.reply(ticketId, "agent-li", "您好，我是小李，请提供订单号");
    expect(agentMsg.role).toBe("agent");
    await expect(desk.reply(ticketId, "agent-wang", "抢答")).rejects.toMatchObject({ status: 403 });

    const toAgent = await service.postMessage({
      conversationId: conv,
      userId: "u1",
      input: text("SD20260001"),
    });
    expect(toAgent.replies).toEqual([]);

    await desk.close(ticketId, "agent-li");
    expect((await store.getConversation(conv))?.status).toBe("bot");
    const resumed = await service.postMessage({ conversationId: conv, userId: "u1", input: text("你好") });
    expect(resumed.replies).toHaveLength(1);
    expect(resumed.replies[0].role).toBe("bot");

    const roles = (await store.listMessages(conv)).map((m) => m.role);
    expect(roles).toEqual([
      "user",
      "bot",
      "user",
      "bot",
      "user",
      "system",
      "agent",
      "user",
      "system",
      "user",
      "bot",
    ]);
    expect(
      customerEvents.filter((e) => e.type === "message").map((e) => e.type === "message" && e.message.seq),
    ).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const profile = await store.getProfile("u1");
    expect(profile?.data.pastIssues).toMatchObject([{ intent: "human_agent" }]);
    expect(agentEvents.map((e) => e.type)).toEqual([
      "ticket_opened",
      "customer_message",
      "ticket_assigned",
      "customer_message",
      "ticket_closed",
    ]);
  });

  it("tells several waiting customers their positions and moves them up as agents accept", async () => {
    const { service, desk } = setup();
    const convs: string[] = [];
    const tickets: string[] = [];
    for (const user of ["a", "b", "c"]) {
      const r = await service.postMessage({ userId: user, input: text("talk to a human") });
      expect(r.queue?.position).toBe(convs.length + 1);
      convs.push(r.conversation.id);
      tickets.push(r.queue?.ticketId ?? "");
    }
    const seen = new Map<string, number[]>();
    for (const c of convs)
      service.bus.subscribe(
        c,
        (e) => e.type === "queue" && seen.set(c, [...(seen.get(c) ?? []), e.queue.position]),
      );
    expect((await service.queue.list()).map((q) => q.ticket.id)).toEqual(tickets);

    await desk.accept(tickets[0], "agent-1");
    expect(seen.get(convs[1])).toEqual([1]);
    expect(seen.get(convs[2])).toEqual([2]);
    // The estimate now comes from the measured wait, and grows with the position.
    const [q1, q2] = await service.queue.list();
    expect(q2.queue.etaSeconds).toBeGreaterThanOrEqual(q1.queue.etaSeconds);

    // Back to the queue keeps the ticket's original place (it has waited longest).
    await desk.transfer(tickets[0], "agent-1", null, "wrong team");
    expect((await service.queue.list()).map((q) => q.ticket.id)).toEqual(tickets);
    expect(await service.queueInfo(convs[0])).toMatchObject({ position: 1 });
    await desk.accept(tickets[2], "agent-2");
    await desk.transfer(tickets[2], "agent-2", "agent-3", "billing");
    await expect(desk.close(tickets[2], "agent-2")).rejects.toMatchObject({ status: 403 });
    const closed = await desk.close(tickets[2], "agent-3");
    expect(closed.transfers.map((t) => t.to)).toEqual(["agent-3"]);
    expect((await service.queue.list()).map((q) => q.queue.position)).toEqual([1, 2]);
  });

  it("lets a waiting customer withdraw the hand-off; the one behind moves up and the bot answers again", async () => {
    const { service, store } = setup();
    const agentEvents: AgentEvent[] = [];
    service.bus.subscribeAgents((e) => agentEvents.push(e.event));
    const first = await service.postMessage({ userId: "w1", input: text("转人工") });
    const second = await service.postMessage({ userId: "w2", input: text("talk to a human") });
    expect(second.queue?.position).toBe(2);
    const positions: number[] = [];
    service.bus.subscribe(
      second.conversation.id,
      (e) => e.type === "queue" && positions.push(e.queue.position),
    );

    // Keeps the place: not a whole-message cancel.
    const stays = await service.postMessage({
      conversationId: first.conversation.id,
      userId: "w1",
      input: text("算了，我还是再等等吧"),
    });
    expect(stays.replies).toEqual([]);
    expect(stays.conversation.status).toBe("waiting");

    const gone = await service.postMessage({
      conversationId: first.conversation.id,
      userId: "w1",
      input: text("不用转人工了"),
    });
    expect(gone.conversation.status).toBe("bot");
    expect(gone.replies.map((r) => r.text)).toEqual(["好的，已为您取消转人工。还有什么可以帮您？"]);
    expect(gone.queue).toBeNull();
    expect(agentEvents.filter((e) => e.type === "ticket_closed")).toHaveLength(1);
    expect(positions).toEqual([1]);
    expect((await store.listTickets()).find((t) => t.conversationId === first.conversation.id)?.status).toBe(
      "closed",
    );
    // The bot has the conversation back.
    const next = await service.postMessage({
      conversationId: first.conversation.id,
      userId: "w1",
      input: text("退款多久到账"),
    });
    expect(next.replies[0].metadata).toMatchObject({ intent: "refund_time" });

    const en = await service.postMessage({
      conversationId: second.conversation.id,
      userId: "w2",
      input: text("never mind"),
    });
    expect(en.replies[0].text).toMatch(/cancelled the request for an agent/);
  });

  it("returns the first outcome for a retried message and never duplicates it, even when retries race", async () => {
    const { store, service } = setup();
    const conv = (await service.startConversation("u-retry")).id;
    const req = {
      conversationId: conv,
      userId: "u-retry",
      input: text("I want to return my order"),
      idempotencyKey: "k-1",
    };
    const [a, b, c] = await Promise.all([
      service.postMessage(req),
      service.postMessage(req),
      service.postMessage(req),
    ]);
    expect([a, b, c].filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set([a, b, c].map((r) => r.replies[0]?.seq))).toEqual(new Set([2]));
    const later = await service.postMessage(req);
    expect(later).toMatchObject({ duplicate: true, message: { seq: 1 }, replies: [{ seq: 2 }] });
    expect((await store.listMessages(conv)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it("finishes a turn that a crash cut off after the customer's message was stored", async () => {
    const { store, service } = setup();
    const conv = (await service.startConversation("u-crash")).id;
    // The state a kill -9 between storing the message and replying leaves behind.
    await store.appendMessage(conv, {
      role: "user",
      text: "talk to a human",
      idempotencyKey: "k-crash",
      metadata: { inputKind: "text" },
    });
    const retried = await service.postMessage({
      conversationId: conv,
      userId: "u-crash",
      input: text("talk to a human"),
      idempotencyKey: "k-crash",
    });
    expect(retried.duplicate).toBe(true);
    expect(retried.replies).toHaveLength(1);
    expect(retried.queue?.position).toBe(1);
    expect((await store.listMessages(conv)).map((m) => m.role)).toEqual(["user", "bot"]);

    // A reply stored whose hand-off ticket was not (crash between the two): the retry opens it.
    const conv2 = (await service.startConversation("u-crash2")).id;
    await store.appendMessage(conv2, { role: "user", text: "talk to a human", idempotencyKey: "k2" });
    await store.appendMessage(conv2, {
      role: "bot",
      text: "I am passing you to a human agent now.",
      metadata: { replyTo: 1, handoff: { reason: "user_request", summary: "asked for a human" } },
    });
    const again = await service.postMessage({
      conversationId: conv2,
      userId: "u-crash2",
      input: text("talk to a human"),
      idempotencyKey: "k2",
    });
    expect(again.queue?.position).toBe(2);
    expect((await store.activeTicketFor(conv2))?.summary).toBe("asked for a human");
  });

  it("reads an image message through OCR and records the OCR confidence on the turn", async () => {
    const { store, service } = setup();
    const png = join(dir, "return.png");
    execFileSync("convert", [
      ...["-size", "700x120", "xc:white", "-font", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
      ...["-pointsize", "44", "-fill", "black", "-annotate", "+20+80", "我要退货", png],
    ]);
    const r = await service.postMessage({
      userId: "u-img",
      input: { kind: "image", data: readFileSync(png), mimeType: "image/png" },
    });
    expect(r.message.text).toContain("我要退货");
    expect(r.message.metadata.inputKind).toBe("image");
    const ocrConfidence = r.message.metadata.inputConfidence ?? 0;
    expect(ocrConfidence).toBeGreaterThan(0.5);
    expect(r.replies[0].metadata.intent).toBe("return_request");
    expect(r.replies[0].metadata.confidence).toBeLessThanOrEqual(ocrConfidence);
    expect((await store.listMessages(r.conversation.id))[0].metadata.inputKind).toBe("image");
  });

  it("rejects empty input, someone else's conversation and a closed conversation", async () => {
    const { service } = setup();
    await expect(service.postMessage({ userId: "u", input: text("   ") })).rejects.toMatchObject({
      status: 400,
    });
    const conv = (await service.startConversation("owner")).id;
    await expect(
      service.postMessage({ conversationId: conv, userId: "intruder", input: text("hi") }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await service.closeConversation(conv, "owner");
    await expect(
      service.postMessage({ conversationId: conv, userId: "owner", input: text("hi") }),
    ).rejects.toMatchObject({
      status: 409,
    });
  });
});
