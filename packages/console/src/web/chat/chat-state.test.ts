import { describe, expect, it } from "vitest";
import {
  type ChatMessage,
  type ChatState,
  chatReducer,
  handoffFromEvent,
  initialChatState,
  lastSeq,
  toChatMessage,
} from "./chat-state.ts";

const msg = (seq: number, role: ChatMessage["role"], text: string, clientKey?: string): ChatMessage => ({
  seq,
  role,
  text,
  at: "2026-11-28T00:00:00Z",
  clientKey,
});

function run(...actions: Parameters<typeof chatReducer>[1][]): ChatState {
  return actions.reduce(chatReducer, chatReducer(initialChatState, { type: "conversation", id: "c1" }));
}

describe("chat thread state", () => {
  it("a refused caller keeps its failed message on screen and stops connecting", () => {
    const s = run(
      { type: "send", clientKey: "k1", text: "hello" },
      { type: "connection", connection: "reconnecting" },
      { type: "sendFailed", clientKey: "k1", error: "Missing API key" },
      { type: "denied" },
    );
    expect(s.denied).toBe(true);
    expect(s.connection).toBe("idle");
    expect(s.pending).toMatchObject([{ text: "hello", status: "failed" }]);
    expect(initialChatState.denied).toBe(false);
  });
  it("marks a message refused for want of a session, and a retry under its key clears the mark", () => {
    let s = run(
      { type: "send", clientKey: "k1", text: "still there?" },
      { type: "sendFailed", clientKey: "k1", error: "Sign in", refused: true },
      { type: "denied" },
    );
    expect(s.pending).toMatchObject([{ clientKey: "k1", status: "failed", refused: true }]);
    s = chatReducer(s, { type: "send", clientKey: "k1", text: "still there?" });
    expect(s.pending).toEqual([{ clientKey: "k1", text: "still there?", status: "sending" }]);
  });

  it("holds a pending image or voice message's bytes, and why it was not kept in the outbox", () => {
    const blob = new Blob([new Uint8Array(4)], { type: "image/png" });
    const s = run(
      { type: "send", clientKey: "m1", text: "", media: { kind: "image", blob } },
      { type: "sendFailed", clientKey: "m1", error: "Sign in", refused: true, notKept: "full" },
    );
    expect(s.pending).toMatchObject([
      { clientKey: "m1", status: "failed", refused: true, notKept: "full", media: { kind: "image" } },
    ]);
    expect(s.pending[0].media?.blob).toBe(blob);
  });

  it("shows expired outbox messages, text and media alike, until sent now or discarded", () => {
    const blob = new Blob([new Uint8Array(4)], { type: "image/png" });
    let s = run(
      { type: "expired", clientKey: "t1", text: "is my order late?" },
      { type: "expired", clientKey: "m1", text: "", media: { kind: "image", blob } },
    );
    expect(s.pending).toMatchObject([
      { clientKey: "t1", text: "is my order late?", status: "failed", expired: true },
      { clientKey: "m1", status: "failed", expired: true, media: { kind: "image", blob } },
    ]);
    // Sent now under its key: an ordinary send, no longer marked expired.
    s = chatReducer(s, { type: "send", clientKey: "t1", text: "is my order late?" });
    s = chatReducer(s, { type: "discard", clientKey: "m1" });
    expect(s.pending).toEqual([{ clientKey: "t1", text: "is my order late?", status: "sending" }]);
  });

  it("marks a file refused as too large before sending, for the customer to discard", () => {
    const blob = new Blob([new Uint8Array(4)], { type: "image/png" });
    let s = run(
      { type: "send", clientKey: "m2", text: "", media: { kind: "image", blob } },
      { type: "sendFailed", clientKey: "m2", error: "too large", tooLarge: true },
    );
    expect(s.pending).toMatchObject([{ clientKey: "m2", status: "failed", tooLarge: true }]);
    s = chatReducer(s, { type: "discard", clientKey: "m2" });
    expect(s.pending).toEqual([]);
  });

  it("an erased conversation clears the thread but keeps what was not stored, and a new one clears the notice", () => {
    let s = run(
      { type: "messages", messages: [msg(1, "user", "hi", "k1"), msg(2, "bot", "hello")] },
      { type: "send", clientKey: "k2", text: "still there?" },
      { type: "erased" },
      { type: "sendFailed", clientKey: "k2", error: "No conversation c1" },
    );
    expect(s).toMatchObject({ conversationId: null, messages: [], erased: true });
    expect(s.pending).toMatchObject([{ clientKey: "k2", status: "failed" }]);
    s = chatReducer(s, { type: "send", clientKey: "k2", text: "still there?" });
    s = chatReducer(s, { type: "conversation", id: "c2" });
    expect(s).toMatchObject({ conversationId: "c2", erased: false });
    expect(s.pending).toMatchObject([{ clientKey: "k2", status: "sending" }]);
  });

  it("replaces the optimistic message with the stored one", () => {
    const s = run(
      { type: "send", clientKey: "k1", text: "where is my order?" },
      { type: "messages", messages: [msg(1, "user", "where is my order?", "k1")] },
    );
    expect(s.pending).toEqual([]);
    expect(s.messages.map((m) => m.seq)).toEqual([1]);
  });

  it("keeps the first message pending while its conversation is created", () => {
    let s = chatReducer(initialChatState, { type: "send", clientKey: "k0", text: "hello" });
    s = chatReducer(s, { type: "conversation", id: "c9" });
    expect(s.pending.map((p) => p.text)).toEqual(["hello"]);
    s = chatReducer(s, { type: "messages", messages: [msg(1, "user", "hello", "k0")] });
    expect(s.pending).toEqual([]);
  });

  it("matches the stored copy by the client key the server echoes", () => {
    const stored = toChatMessage({ seq: 4, role: "user", text: "hi", at: "x", idempotencyKey: "k4" });
    const s = run({ type: "send", clientKey: "k4", text: "hi" }, { type: "messages", messages: [stored] });
    expect(s.pending).toEqual([]);
  });

  it("never duplicates a message delivered by both the stream and the catch-up fetch", () => {
    const s = run(
      { type: "messages", messages: [msg(1, "user", "hi"), msg(2, "bot", "hello")] },
      { type: "messages", messages: [msg(2, "bot", "hello"), msg(3, "agent", "I am Li")] },
      { type: "messages", messages: [msg(1, "user", "hi")] },
    );
    expect(s.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(lastSeq(s)).toBe(3);
  });

  it("orders messages that arrive out of order", () => {
    const s = run(
      { type: "messages", messages: [msg(3, "bot", "c")] },
      { type: "messages", messages: [msg(2, "user", "b")] },
    );
    expect(s.messages.map((m) => m.text)).toEqual(["b", "c"]);
  });

  it("accumulates streamed text until the stored bot message arrives", () => {
    let s = run({ type: "delta", text: "Your par" }, { type: "delta", text: "cel ships today" });
    expect(s.streaming).toBe("Your parcel ships today");
    s = chatReducer(s, { type: "messages", messages: [msg(2, "bot", "Your parcel ships today")] });
    expect(s.streaming).toBeNull();
  });

  it("keeps a failed send visible with its error so it can be retried", () => {
    const s = run(
      { type: "send", clientKey: "k9", text: "refund?" },
      { type: "sendFailed", clientKey: "k9", error: "network down" },
    );
    expect(s.pending).toEqual([
      { clientKey: "k9", text: "refund?", status: "failed", error: "network down" },
    ]);
  });

  it("a retry with the same key replaces the failed copy", () => {
    const s = run(
      { type: "send", clientKey: "k9", text: "refund?" },
      { type: "sendFailed", clientKey: "k9", error: "network down" },
      { type: "send", clientKey: "k9", text: "refund?" },
    );
    expect(s.pending).toEqual([{ clientKey: "k9", text: "refund?", status: "sending" }]);
  });

  it("clears the agent typing indicator when the agent's message lands", () => {
    const s = run(
      { type: "typing", typing: true },
      { type: "messages", messages: [msg(4, "agent", "done")] },
    );
    expect(s.agentTyping).toBe(false);
  });

  it("starts clean when switching conversations", () => {
    const s = chatReducer(run({ type: "messages", messages: [msg(1, "user", "x")] }), {
      type: "conversation",
      id: "c2",
    });
    expect(s.messages).toEqual([]);
    expect(s.conversationId).toBe("c2");
  });
});

describe("stored messages from the server", () => {
  it("map to thread messages with citations and the client key", () => {
    const m = toChatMessage({
      conversationId: "c1",
      seq: 7,
      role: "bot",
      text: "Refunds take 3-5 days.",
      createdAt: "2026-11-28T01:02:03.000Z",
      idempotencyKey: null,
      metadata: {
        citations: [{ docId: "d1", title: "Refund policy", source: "kb/refunds.md", start: 0, end: 40 }],
      },
    });
    expect(m).toEqual({
      seq: 7,
      role: "bot",
      text: "Refunds take 3-5 days.",
      at: "2026-11-28T01:02:03.000Z",
      citations: [{ docId: "d1", title: "Refund policy", source: "kb/refunds.md", start: 0, end: 40 }],
      clientKey: undefined,
    });
  });
});

describe("hand-off status from stream events", () => {
  it("reads the queue position and wait while queued", () => {
    expect(
      handoffFromEvent("queue", { status: "waiting", position: 2, etaSeconds: 90, ticketId: "t1" }),
    ).toEqual({
      status: "waiting",
      position: 2,
      etaSeconds: 90,
    });
  });
  it("reads the agent who accepted from a handoff event", () => {
    expect(handoffFromEvent("handoff", { status: "agent", agentName: "ana" })).toEqual({
      status: "agent",
      agentName: "ana",
    });
  });
  it("the status on connect drops the queue fields once the bot is back", () => {
    expect(handoffFromEvent("handoff", { status: "bot" })).toEqual({ status: "bot" });
  });
  it("ignores a status it does not know", () => {
    expect(handoffFromEvent("handoff", { status: "escalated" })).toBeNull();
    expect(handoffFromEvent("handoff", {})).toBeNull();
  });
});
