import { eventually } from "@seekdesk/core/testing/eventually.ts";
import { startTempGateway, type TempGateway } from "@seekdesk/gateway/testing/temp-gateway.ts";
import { type PostgresConversationStore, PostgresDeskEvents } from "@seekdesk/store";
import { startTestPostgres, type TestPostgres } from "@seekdesk/store/testing/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../types.ts";
import type { ConversationService } from "./conversation-service.ts";
import { createEmbeddedAssistant } from "./embedded.ts";
import type { ConversationEvent } from "./events.ts";
import { conversationPlugin } from "./http-plugin.ts";
import { type DeskEventChannel, ReplicatedEventBus } from "./replicated-events.ts";
import { openSse, type SseConnection } from "./testing/sse-client.ts";

/**
 * Two desk replicas (two real gateways, each with its own data directory) behind an imaginary
 * load balancer, sharing one real Postgres: whatever one replica does, streams on the other see.
 */
let pgServer: TestPostgres;
let url: string;
let assistant: Assistant;
const replicas: { gw: TempGateway; service: ConversationService }[] = [];

beforeAll(async () => {
  pgServer = await startTestPostgres();
  url = await pgServer.createDatabase("desk_replicas");
  assistant = createEmbeddedAssistant().assistant;
  for (let i = 0; i < 2; i++) {
    let service: ConversationService | null = null;
    const gw = await startTempGateway({
      plugins: [
        conversationPlugin({
          assistant: async () => assistant,
          ocr: null,
          asr: null,
          onReady: (s) => {
            service = s;
          },
        }),
      ],
      config: { store: { driver: "postgres", url } },
    });
    replicas.push({ gw, service: service as unknown as ConversationService });
  }
});
afterAll(async () => {
  for (const r of replicas) await r.gw.stop();
  await pgServer?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

async function call(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const busOf = (i: number) => replicas[i].service.bus as ReplicatedEventBus;

/** Opens a conversation on `base`, asks for a human and returns its id and the ticket's. */
async function handOff(base: string, user: string): Promise<{ conv: string; customer: SseConnection }> {
  const conv = (await call(base, "POST", "/api/conversations", { userId: user })).id as string;
  const customer = await openSse(`${base}/api/conversations/${conv}/events`);
  await customer.next((e) => e.event === "handoff");
  const h = await call(base, "POST", `/api/conversations/${conv}/messages`, { text: "转人工" });
  expect(h.handoff.status).toBe("waiting");
  return { conv, customer };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe("the desk on two replicas sharing Postgres", () => {
  it("uses the replicated bus on Postgres", () => {
    expect(busOf(0)).toBeInstanceOf(ReplicatedEventBus);
    expect(busOf(0).origin).not.toBe(busOf(1).origin);
  });

  it("shows a hand-off opened on A to an agent streaming from B, and B's reply to the customer on A", async () => {
    const [a, b] = replicas.map((r) => r.gw.url);
    const agents = await openSse(`${b}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");
    const { conv, customer } = await handOff(a, "rep-u1");

    const opened = await agents.next((e) => e.event === "ticket_opened");
    const ticketId = JSON.parse(opened.data).ticketId as string;
    expect(JSON.parse(opened.data).ticket).toMatchObject({ conversationId: conv, position: 1 });
    expect(Number(opened.id)).toBeGreaterThan(0);

    await call(b, "POST", `/api/agent/tickets/${ticketId}/accept`, { agentId: "li" });
    expect(
      JSON.parse((await customer.next((e) => e.event === "handoff" && e.data.includes("agent"))).data),
    ).toMatchObject({ status: "agent", agentName: "li" });
    await call(b, "POST", `/api/agent/tickets/${ticketId}/typing`, { agentId: "li" });
    expect(JSON.parse((await customer.next((e) => e.event === "typing")).data)).toMatchObject({
      role: "agent",
      typing: true,
    });
    const sent = await call(b, "POST", `/api/agent/tickets/${ticketId}/reply`, {
      agentId: "li",
      text: "您好，我来帮您查",
    });
    const got = await customer.next((e) => e.event === "message" && e.data.includes('"agent"'));
    expect(JSON.parse(got.data)).toMatchObject({ role: "agent", text: "您好，我来帮您查", seq: sent.seq });
    expect(got.id).toBe(String(sent.seq));

    // Larger than a notification may carry (8000 characters of Chinese is ~24 KB): read back by seq.
    const long = "长".repeat(8000);
    const big = await call(b, "POST", `/api/agent/tickets/${ticketId}/reply`, { agentId: "li", text: long });
    const bigGot = await customer.next((e) => e.event === "message" && e.id === String(big.seq));
    expect(JSON.parse(bigGot.data).text).toBe(long);

    // The customer answers on A; the agent streaming from B sees it, after everything before it.
    await call(a, "POST", `/api/conversations/${conv}/messages`, { text: "订单SD20260001" });
    const cm = await agents.next((e) => e.event === "customer_message");
    expect(JSON.parse(cm.data).message.text).toBe("订单SD20260001");
    expect(Number(cm.id)).toBeGreaterThan(Number(opened.id));

    // Each message reached the customer once, in seq order.
    const seqs = customer.received.filter((e) => e.event === "message").map((e) => Number(e.id));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    await call(b, "POST", `/api/agent/tickets/${ticketId}/close`, { agentId: "li" });
    await agents.next((e) => e.event === "ticket_closed");
    customer.close();
    agents.close();
  });

  it("numbers agent events for the whole cluster, so a stream resumes on the other replica", async () => {
    const [a, b] = replicas.map((r) => r.gw.url);
    const onA = await openSse(`${a}/api/agent/events`);
    const onB = await openSse(`${b}/api/agent/events`);
    await onA.next((e) => e.event === "snapshot");
    await onB.next((e) => e.event === "snapshot");
    const first = await handOff(b, "rep-u2");
    const seenA = await onA.next((e) => e.event === "ticket_opened");
    const seenB = await onB.next((e) => e.event === "ticket_opened");
    expect(seenA.id).toBe(seenB.id);
    expect(seenA.data).toBe(seenB.data);
    onA.close();

    // While the agent is away, more happens (on both replicas).
    const second = await handOff(a, "rep-u3");
    await call(b, "POST", `/api/conversations/${first.conv}/messages`, { text: "还在吗" });
    await onB.next((e) => e.event === "customer_message");
    // The console reconnects through the load balancer to B with A's last id.
    const resumed = await openSse(`${b}/api/agent/events`, { "last-event-id": String(seenA.id) });
    const replayed = [
      await resumed.next((e) => e.event !== "snapshot"),
      await resumed.next((e) => e.event !== "snapshot"),
    ];
    expect(resumed.received.some((e) => e.event === "snapshot")).toBe(false);
    expect(replayed.map((e) => e.event)).toEqual(["ticket_opened", "customer_message"]);
    expect(JSON.parse(replayed[0].data).ticket.conversationId).toBe(second.conv);
    expect(Number(replayed[0].id)).toBeGreaterThan(Number(seenA.id));
    expect(Number(replayed[1].id)).toBeGreaterThan(Number(replayed[0].id));
    first.customer.close();
    second.customer.close();
    resumed.close();
    onB.close();
  });

  it("recovers when a replica's LISTEN connection is killed, catching up on what it missed", async () => {
    const [a, b] = replicas.map((r) => r.gw.url);
    const agents = await openSse(`${b}/api/agent/events`);
    await agents.next((e) => e.event === "snapshot");
    const conv = (await call(b, "POST", "/api/conversations", { userId: "rep-u4" })).id as string;
    const customer = await openSse(`${b}/api/conversations/${conv}/events`);
    await customer.next((e) => e.event === "handoff");
    const before = busOf(1).reconnects;

    // Both replicas' listeners die; the hand-off is made on A while B is still reconnecting.
    // Each replica's one LISTEN connection (its desk events, keys and console edits share it).
    const listeners = replicas.map(
      (r) => (r.service.store as PostgresConversationStore).db.listener.backendPid,
    );
    const killed = await (replicas[0].service.store as PostgresConversationStore).pool.query(
      "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid",
      [listeners],
    );
    expect(killed.rowCount).toBe(2);
    const h = await call(a, "POST", `/api/conversations/${conv}/messages`, { text: "转人工" });
    expect(h.handoff.status).toBe("waiting");

    const opened = await agents.next((e) => e.event === "ticket_opened");
    expect(JSON.parse(opened.data).ticket.conversationId).toBe(conv);
    // The customer's stream on B re-read the store (or heard it live): it knows it is waiting.
    await customer.next((e) => e.event === "handoff" && e.data.includes("waiting"));
    await eventually("the customer hears the hand-off request", () =>
      customer.received.some((e) => e.event === "message" && e.data.includes("转人工")),
    );
    expect(busOf(1).reconnects).toBeGreaterThan(before);
    const metrics = await (await fetch(`${b}/metrics`)).text();
    expect(metrics).toMatch(/seekdesk_desk_event_resyncs_total\{reason="reconnect"\} [1-9]/);

    // And live events flow again afterwards.
    const ticketId = JSON.parse(opened.data).ticketId as string;
    await call(a, "POST", `/api/agent/tickets/${ticketId}/accept`, { agentId: "wang" });
    await customer.next((e) => e.event === "handoff" && e.data.includes('"agent"'));
    await agents.next((e) => e.event === "ticket_assigned");
    const ids = agents.received.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    customer.close();
    agents.close();
  });

  it("carries an event from one replica's bus to the other's listeners in about a millisecond", async () => {
    const conv = (await replicas[0].service.startConversation("rep-latency")).id;
    let resolveNext: ((at: number) => void) | null = null;
    const unsubscribe = [
      busOf(1).subscribe(conv, (e: ConversationEvent) => {
        if (e.type === "typing") resolveNext?.(performance.now());
      }),
      busOf(1).subscribeAgents((e) => {
        if (e.event.type === "customer_typing") resolveNext?.(performance.now());
      }),
    ];
    const measure = async (send: () => void) => {
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) {
        const heard = new Promise<number>((resolve) => {
          resolveNext = resolve;
        });
        const sentAt = performance.now();
        send();
        samples.push((await heard) - sentAt);
      }
      samples.sort((x, y) => x - y);
      return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
    };
    let flip = false;
    // A conversation event: one NOTIFY.
    const customer = await measure(() => {
      flip = !flip;
      busOf(0).publish(conv, { type: "typing", role: "agent", typing: flip });
    });
    // An agent event: a row in the shared log (its id) and a NOTIFY, in one statement.
    const agent = await measure(() =>
      busOf(0).publishAgents({ type: "customer_typing", ticketId: "tkt_latency", conversationId: conv }),
    );
    for (const u of unsubscribe) u();
    for (const [what, m] of Object.entries({ conversation: customer, agent })) {
      process.stderr.write(
        `cross-replica ${what} event latency over ${m.n}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms\n`,
      );
      expect(m.p50).toBeLessThan(50);
    }
  });
});

describe("ReplicatedEventBus on its own", () => {
  it("splits what a notification cannot carry, and after losing LISTEN replays missed agent events and resyncs", async () => {
    const sql = (q: string) => (replicas[0].service.store as PostgresConversationStore).pool.query(q);
    const bus = (name: string) =>
      new ReplicatedEventBus({
        channel: new PostgresDeskEvents(url, { applicationName: name, reconnectMs: 300 }),
        store: replicas[0].service.store,
      });
    const a = bus("bus-test-a");
    const b = bus("bus-test-b");
    await a.start();
    await b.start();
    try {
      const onA: number[] = [];
      const onB: number[] = [];
      a.subscribeAgents((e) => onA.push(e.id));
      b.subscribeAgents((e) => onB.push(e.id));
      const heard: ConversationEvent[] = [];
      b.subscribe("conv_bus", (e) => heard.push(e));

      // 5000 characters of Chinese are ~15 KB: split into pieces that join back in order.
      const text = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(0x4e00 + (i % 500))).join("");
      a.publish("conv_bus", { type: "reply_chunk", replyTo: 1, text });
      const joined = () => heard.map((e) => (e.type === "reply_chunk" ? e.text : "")).join("");
      await eventually("joined().length === text.length", () => joined().length === text.length);
      expect(joined()).toBe(text);
      expect(heard.length).toBeGreaterThan(1);

      a.publishAgents({ type: "ticket_removed", ticketId: "tkt_before" });
      await eventually("onB.length === 1", () => onB.length === 1);

      await sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bus-test-b'",
      );
      // Wait until the backend is gone, so what follows cannot reach B live.
      for (let i = 0; i < 50; i++) {
        const left = await sql("SELECT 1 FROM pg_stat_activity WHERE application_name = 'bus-test-b'");
        if (left.rowCount === 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const t of ["tkt_1", "tkt_2", "tkt_3"]) a.publishAgents({ type: "ticket_removed", ticketId: t });
      a.publish("conv_bus", { type: "typing", role: "agent", typing: true });
      await a.flushed();
      await eventually("onA.length === 4", () => onA.length === 4);
      expect(b.reconnects).toBe(0);

      await eventually("onB.length === 4", () => onB.length === 4);
      expect(b.reconnects).toBe(1);
      expect(onB).toEqual(onA);
      expect(onA).toEqual([onA[0], onA[0] + 1, onA[0] + 2, onA[0] + 3]);
      expect(heard.at(-1)).toEqual({ type: "resync" });
      // And live again.
      a.publish("conv_bus", { type: "typing", role: "agent", typing: false });
      await eventually(`heard.at(-1)?.type === "typing"`, () => heard.at(-1)?.type === "typing");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("resyncs other replicas when a sender loses events, and drops a retried send that had gone through", async () => {
    const real = new PostgresDeskEvents(url, { applicationName: "bus-test-c" });
    let mode: "ok" | "lose" | "sent-then-fail" = "ok";
    const flaky: DeskEventChannel = {
      notifyConversations: async (payloads) => {
        if (mode === "lose") throw new Error("connection lost");
        await real.notifyConversations(payloads);
        if (mode === "sent-then-fail") {
          mode = "ok";
          throw new Error("connection lost after commit");
        }
      },
      appendAgentEvent: (at, event) => real.appendAgentEvent(at, event),
      agentEventsAfter: (id, limit) => real.agentEventsAfter(id, limit),
      agentEventRange: () => real.agentEventRange(),
      listen: (sink) => real.listen(sink),
      close: () => real.close(),
    };
    const errors: string[] = [];
    const a = new ReplicatedEventBus({
      channel: flaky,
      store: replicas[0].service.store,
      onError: (_err, what) => errors.push(what),
    });
    const resyncs: string[] = [];
    const b = new ReplicatedEventBus({
      channel: new PostgresDeskEvents(url, { applicationName: "bus-test-d" }),
      store: replicas[0].service.store,
      onResync: (reason) => resyncs.push(reason),
    });
    await a.start();
    await b.start();
    try {
      const heard: ConversationEvent[] = [];
      b.subscribe("conv_flaky", (e) => heard.push(e));
      const typing = (typing: boolean) => a.publish("conv_flaky", { type: "typing", role: "bot", typing });

      typing(true);
      await eventually("heard.length === 1", () => heard.length === 1);
      mode = "sent-then-fail";
      typing(false);
      await a.flushed();
      typing(true);
      await eventually("heard.length >= 3", () => heard.length >= 3);
      expect(heard.map((e) => e.type)).toEqual(["typing", "typing", "typing"]);
      expect(resyncs).toEqual([]);

      mode = "lose";
      typing(false);
      await a.flushed();
      expect(errors).toEqual(["send_conversation"]);
      mode = "ok";
      typing(true);
      await eventually("heard.length === 5", () => heard.length === 5);
      expect(heard.slice(3)).toEqual([{ type: "resync" }, { type: "typing", role: "bot", typing: true }]);
      expect(resyncs).toEqual(["sender_gap"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
