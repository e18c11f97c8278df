import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import type { FeedbackRepository } from "@seekdesk/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationService } from "./conversation-service.ts";
import { createEmbeddedAssistant } from "./embedded.ts";
import { conversationPlugin } from "./http-plugin.ts";
import { callJson, type Json } from "./testing/json-call.ts";
import { openSse, type SseConnection } from "./testing/sse-client.ts";

/**
 * Erasing a user's data (DELETE /api/users/{id}) while streams are open on it: the agents' stream
 * drops the user's tickets, the user's conversation streams say `deleted` and end, and a customer
 * still waiting moves up the queue. The user's ratings and intent verdicts, which the console's
 * analytics count, go too. A real gateway on a SQLite file, real SSE over loopback.
 */
let gw: TempGateway;
let service: ConversationService;
let feedback: FeedbackRepository;

beforeAll(async () => {
  const assistant = createEmbeddedAssistant().assistant;
  gw = await startTempGateway({
    plugins: [
      conversationPlugin({
        assistant: async () => assistant,
        ocr: null,
        asr: null,
        onReady: (s, f) => {
          service = s;
          feedback = f;
        },
      }),
    ],
  });
});
afterAll(async () => {
  await gw?.stop();
});

const call = (method: string, path: string, body?: unknown) => callJson(gw.url, method, path, body);

/** A conversation of `userId` with its live stream open (past the initial status). */
async function conversation(userId: string): Promise<{ id: string; stream: SseConnection }> {
  const created = await call("POST", "/api/conversations", { userId, channel: "web" });
  expect(created.status).toBe(201);
  const stream = await openSse(`${gw.url}/api/conversations/${created.json.id}/events`);
  await stream.next((e) => e.event === "handoff");
  return { id: created.json.id, stream };
}

async function handOff(conversationId: string): Promise<void> {
  const r = await call("POST", `/api/conversations/${conversationId}/messages`, { text: "转人工" });
  expect(r.json.handoff.status).toBe("waiting");
}

describe("erasing a user with live streams open", () => {
  it("removes the user's tickets from the agents' stream and ends the user's conversation streams", async () => {
    const agents = await openSse(`${gw.url}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");

    // The user to erase: one conversation handed off and taken by an agent, one queued, one with the bot only.
    const taken = await conversation("erase-me");
    await handOff(taken.id);
    const takenTicket = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data).ticketId;
    expect((await call("POST", `/api/agent/tickets/${takenTicket}/accept`, { agentId: "li" })).status).toBe(
      200,
    );
    const queued = await conversation("erase-me");
    await handOff(queued.id);
    const queuedTicket = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data).ticketId;
    const botOnly = await conversation("erase-me");
    expect((await call("POST", `/api/conversations/${botOnly.id}/messages`, { text: "hello" })).status).toBe(
      201,
    );
    // Someone else waiting behind the queued ticket.
    const other = await conversation("erase-other");
    await handOff(other.id);
    const otherTicket = JSON.parse((await agents.next((e) => e.event === "ticket_opened")).data).ticketId;
    expect(JSON.parse((await other.stream.next((e) => e.event === "queue")).data).position).toBe(2);
    // Feedback as the console stores it (its routes are the console's): the user rated two
    // conversations, an agent judged one turn; the other customer's rating stays.
    await feedback.rate(taken.id, 1, "slow");
    await feedback.rate(botOnly.id, 2);
    await feedback.judgeIntent({ conversationId: botOnly.id, seq: 1, correct: false, agent: "li" });
    await feedback.rate(other.id, 5);
    await feedback.judgeIntent({ conversationId: other.id, seq: 1, correct: true, agent: "li" });
    const exported = await call("GET", "/api/users/erase-me/export");
    expect(exported.json.feedback.ratings.map((r: Json) => r.rating).sort()).toEqual([1, 2]);
    expect(exported.json.feedback.intentVerdicts).toHaveLength(1);

    const erased = await call("DELETE", "/api/users/erase-me");
    expect(erased.status).toBe(200);
    expect(erased.json.deleted).toMatchObject({
      conversations: 3,
      tickets: 2,
      ratings: 2,
      intentVerdicts: 1,
    });
    // What the analytics count: only the other customer's rating and verdict.
    expect((await feedback.ratings()).map((r) => r.rating)).toEqual([5]);
    expect((await feedback.intentFeedback()).map((v) => v.correct)).toEqual([true]);

    const removed = [
      JSON.parse((await agents.next((e) => e.event === "ticket_removed")).data).ticketId,
      JSON.parse((await agents.next((e) => e.event === "ticket_removed")).data).ticketId,
    ];
    expect(removed.sort()).toEqual([takenTicket, queuedTicket].sort());
    for (const c of [taken, queued, botOnly]) {
      const deleted = await c.stream.next((e) => e.event === "deleted");
      expect(JSON.parse(deleted.data)).toEqual({ conversationId: c.id });
      // Nothing follows: the server ends the stream, and it cannot be reopened.
      await expect(c.stream.next()).rejects.toThrow(/ended/);
      expect((await fetch(`${gw.url}/api/conversations/${c.id}/events`)).status).toBe(404);
    }
    // The other customer moves up; their stream stays open and their ticket stays.
    expect(JSON.parse((await other.stream.next((e) => e.event === "queue")).data).position).toBe(1);
    const queue = await call("GET", "/api/agent/queue");
    expect(queue.json.data.map((t: { id: string }) => t.id)).toEqual([otherTicket]);
    expect(agents.received.filter((e) => e.event === "ticket_removed")).toHaveLength(2);

    other.stream.close();
    agents.close();
  });

  it("a stream that missed the announcement says deleted when it resyncs from the store", async () => {
    // Erased behind the server's back (as `seekdesk users delete` does on SQLite, or a replica
    // whose notifications were lost); then the bus asks local streams to resync, as a replicated
    // bus does after losing LISTEN.
    const c = await conversation("erase-quiet");
    expect((await call("POST", `/api/conversations/${c.id}/messages`, { text: "hello" })).status).toBe(201);
    const deleted = await service.store.deleteUser("erase-quiet");
    expect(deleted.conversations).toBe(1);
    service.bus.publish(c.id, { type: "resync" });
    const ev = await c.stream.next((e) => e.event === "deleted");
    expect(JSON.parse(ev.data)).toEqual({ conversationId: c.id });
    await expect(c.stream.next()).rejects.toThrow(/ended/);
  });
});
