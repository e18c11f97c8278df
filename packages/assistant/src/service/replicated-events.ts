import { randomBytes } from "node:crypto";
import {
  type ConversationStore,
  type DeskEventListen,
  NOTIFY_PAYLOAD_MAX_BYTES,
  type StoredAgentEvent,
} from "@seekdesk/store";
import {
  type AgentEvent,
  type ConversationEvent,
  ConversationEventBus,
  type DeskEventBus,
  type Listener,
  type NumberedAgentEvent,
} from "./events.ts";

/** What the replicated bus needs from the Postgres side (`PostgresDeskEvents` in the store). */
export interface DeskEventChannel {
  notifyConversations(payloads: readonly string[]): Promise<void>;
  appendAgentEvent(at: number, event: string): Promise<number>;
  agentEventsAfter(id: number, limit: number): Promise<StoredAgentEvent[]>;
  agentEventRange(): Promise<{ first: number | null; last: number | null }>;
  listen(sink: {
    conversation(payload: string): void;
    agent(event: { id: number; at?: number; event?: unknown }): void;
    listening(reconnected: boolean): void;
  }): DeskEventListen;
  close(): Promise<void>;
}

export interface ReplicatedEventBusOptions {
  channel: DeskEventChannel;
  /** Where a message too large to notify is read back from (by its seq). */
  store: Pick<ConversationStore, "listMessages">;
  /** Most agent events a resuming stream is replayed; further behind, it gets a snapshot. */
  agentReplay?: number;
  /**
   * Told of what could not be sent or read (events are then lost for other replicas, which
   * resync): `what` is send_agent, send_conversation, too_large, parse, read_message or read_agent.
   */
  onError?: (err: unknown, what: string) => void;
  /** Told when local streams are sent a resync: LISTEN came back, or a sender's numbers skipped. */
  onResync?: (reason: "reconnect" | "sender_gap") => void;
}

/** A conversation event on the wire: origin, the origin's running number, conversation, event. */
interface WireConversationEvent {
  o: string;
  n: number;
  c: string;
  /** The event, or `m`: the seq of a message too large to notify, to be read from the store. */
  e?: ConversationEvent;
  m?: number;
}

type Outgoing = { kind: "conversation"; payload: string } | { kind: "agent"; at: number; event: string };
type Inbound = ConversationEvent | { ref: number };
type AgentTask = { id: number; at?: number; event?: unknown } | { catchUp: "start" | "reconnect" };

/** Characters per reply_chunk piece when a chunk is too large: even at 6 bytes each (\u escapes) it fits. */
const CHUNK_CHARS = 1000;

/**
 * The desk's event bus for several replicas on one Postgres: every event goes out over
 * LISTEN/NOTIFY and each replica hands what it hears to its own listeners.
 *
 * Conversation events reach this replica's listeners at once, synchronously, as on the
 * in-process bus; copies that come back from Postgres carry this replica's origin and are
 * dropped, so nothing is delivered twice. Other replicas' events are delivered in the order
 * their sender made them (per-conversation queues, so a large message read back from the store
 * holds up only the events of its own conversation). A message too large for a notification
 * travels as its seq and is read from the store; a large reply_chunk is split.
 *
 * Agent events are delivered only as they come back from Postgres, with ids from the shared
 * agent log, so every replica delivers the same events with the same ids in the same order, and
 * an agent stream can resume with Last-Event-ID on any replica.
 *
 * When the LISTEN connection was lost (or a sender's running number skips, i.e. it failed to
 * send something), agent events are read back from the log and every local conversation
 * listener gets a `resync` event to re-read the store.
 */
export class ReplicatedEventBus implements DeskEventBus {
  /** Fan-out to this replica's conversation listeners. */
  private readonly local = new ConversationEventBus();
  private readonly agents = new Set<Listener<NumberedAgentEvent>>();
  readonly origin = randomBytes(6).toString("base64url");
  private sent = 0;
  private readonly heard = new Map<string, number>();
  private readonly inbox = new Map<string, Inbound[]>();
  private readonly agentInbox: AgentTask[] = [];
  private agentDraining = false;
  /** The last agent event id delivered here; null until known (then nothing is caught up). */
  private lastAgentId: number | null = null;
  private readonly outbox: Outgoing[] = [];
  private flushing: Promise<void> | null = null;
  private listening: DeskEventListen | null = null;
  private readonly channel: DeskEventChannel;
  private readonly store: Pick<ConversationStore, "listMessages">;
  private readonly agentReplay: number;
  private readonly onError: (err: unknown, what: string) => void;
  private readonly onResync: (reason: "reconnect" | "sender_gap") => void;
  /** How many times LISTEN was re-established after a loss (tests and metrics read it). */
  reconnects = 0;

  constructor(opts: ReplicatedEventBusOptions) {
    this.channel = opts.channel;
    this.store = opts.store;
    this.agentReplay = opts.agentReplay ?? 1000;
    this.onError = opts.onError ?? (() => undefined);
    this.onResync = opts.onResync ?? (() => undefined);
  }

  /** LISTENs; resolves once notifications are heard (rejects when Postgres cannot be reached). */
  async start(): Promise<void> {
    this.listening = this.channel.listen({
      conversation: (p) => this.heardConversation(p),
      agent: (e) => this.queueAgent(e),
      listening: (reconnected) => {
        if (reconnected) {
          this.reconnects++;
          this.onResync("reconnect");
          this.heard.clear();
          for (const c of this.local.conversationIds()) this.receive(c, { type: "resync" });
        }
        this.queueAgent({ catchUp: reconnected ? "reconnect" : "start" });
      },
    });
    await this.listening.started;
  }

  subscribe(conversationId: string, listener: Listener<ConversationEvent>): () => void {
    return this.local.subscribe(conversationId, listener);
  }

  publish(conversationId: string, event: ConversationEvent): void {
    this.local.publish(conversationId, event);
    if (event.type === "resync") return;
    for (const payload of this.encode(conversationId, event)) this.send({ kind: "conversation", payload });
  }

  subscribeAgents(listener: Listener<NumberedAgentEvent>): () => void {
    this.agents.add(listener);
    return () => this.agents.delete(listener);
  }

  publishAgents(event: AgentEvent): void {
    this.send({ kind: "agent", at: Date.now(), event: JSON.stringify(event) });
  }

  async agentEventsAfter(id: number): Promise<NumberedAgentEvent[] | null> {
    const { first, last } = await this.channel.agentEventRange();
    if (last === null) return id === 0 ? [] : null;
    if (id > last || (first !== null && id < first - 1)) return null;
    const rows = await this.channel.agentEventsAfter(id, this.agentReplay + 1);
    if (rows.length > this.agentReplay) return null;
    return rows.map(toNumbered);
  }

  listenerCount(conversationId?: string): number {
    return conversationId === undefined ? this.agents.size : this.local.listenerCount(conversationId);
  }

  /** Resolves once everything published so far has been handed to Postgres (or failed). */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.flushed();
    await this.listening?.stop();
    await this.channel.close();
  }

  // --- sending ---

  private encode(c: string, e: ConversationEvent): string[] {
    // A number is drawn only for a payload that is sent, so a skip always means a loss.
    const wire = (body: { e: ConversationEvent } | { m: number }): string | null => {
      const s = JSON.stringify({ o: this.origin, n: this.sent + 1, c, ...body });
      if (Buffer.byteLength(s) > NOTIFY_PAYLOAD_MAX_BYTES) return null;
      this.sent++;
      return s;
    };
    const whole = wire({ e });
    if (whole) return [whole];
    if (e.type === "message") return [wire({ m: e.message.seq }) as string];
    if (e.type === "reply_chunk") {
      const chars = Array.from(e.text);
      const out: string[] = [];
      for (let i = 0; i < chars.length; i += CHUNK_CHARS)
        out.push(wire({ e: { ...e, text: chars.slice(i, i + CHUNK_CHARS).join("") } }) as string);
      return out;
    }
    this.onError(new Error(`a ${e.type} event is too large to notify`), "too_large");
    // Skip a number: other replicas notice and resync.
    this.sent++;
    return [];
  }

  private send(item: Outgoing): void {
    this.outbox.push(item);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = null;
    });
  }

  /**
   * One send at a time, in order; whatever piles up meanwhile goes in the next one, so a burst
   * (a streamed reply) costs a few round trips rather than one per event.
   */
  private async flush(): Promise<void> {
    while (this.outbox.length > 0) {
      const head = this.outbox[0];
      if (head.kind === "agent") {
        this.outbox.shift();
        await this.attempt(() => this.channel.appendAgentEvent(head.at, head.event), "send_agent");
        continue;
      }
      let n = 0;
      while (n < this.outbox.length && this.outbox[n].kind === "conversation") n++;
      const batch = this.outbox.splice(0, n) as { kind: "conversation"; payload: string }[];
      await this.attempt(
        () => this.channel.notifyConversations(batch.map((b) => b.payload)),
        "send_conversation",
      );
    }
  }

  /** Tries twice (the first may meet a connection the server has closed). */
  private async attempt(fn: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await fn();
    } catch {
      try {
        await fn();
      } catch (err) {
        this.onError(err, what);
      }
    }
  }

  // --- receiving: conversations ---

  private heardConversation(payload: string): void {
    let w: WireConversationEvent;
    try {
      w = JSON.parse(payload) as WireConversationEvent;
    } catch (err) {
      this.onError(err, "parse");
      return;
    }
    if (w.o === this.origin) return;
    const before = this.heard.get(w.o);
    // A send retried after its first attempt did commit after all: heard already.
    if (before !== undefined && w.n <= before) return;
    this.heard.set(w.o, w.n);
    if (before !== undefined && w.n !== before + 1) {
      // The sender failed to send something: every local stream re-reads the store.
      this.onResync("sender_gap");
      for (const c of this.local.conversationIds()) this.receive(c, { type: "resync" });
    }
    if (this.local.listenerCount(w.c) === 0) return;
    if (w.e) this.receive(w.c, w.e);
    else if (w.m !== undefined) this.receive(w.c, { ref: w.m });
  }

  /** Delivers in arrival order per conversation; only a read-back makes later events wait. */
  private receive(c: string, item: Inbound): void {
    const queued = this.inbox.get(c);
    if (queued) {
      queued.push(item);
      return;
    }
    if (!("ref" in item)) {
      this.local.publish(c, item);
      return;
    }
    const q: Inbound[] = [item];
    this.inbox.set(c, q);
    void this.drain(c, q);
  }

  private async drain(c: string, q: Inbound[]): Promise<void> {
    while (q.length > 0) {
      const item = q.shift() as Inbound;
      if (!("ref" in item)) {
        this.local.publish(c, item);
        continue;
      }
      try {
        const [message] = await this.store.listMessages(c, { afterSeq: item.ref - 1, limit: 1 });
        if (message?.seq === item.ref) this.local.publish(c, { type: "message", message });
      } catch (err) {
        this.onError(err, "read_message");
        this.local.publish(c, { type: "resync" });
      }
    }
    this.inbox.delete(c);
  }

  // --- receiving: agents ---

  private queueAgent(task: AgentTask): void {
    this.agentInbox.push(task);
    if (!this.agentDraining) void this.drainAgents();
  }

  private async drainAgents(): Promise<void> {
    this.agentDraining = true;
    try {
      while (this.agentInbox.length > 0) {
        const task = this.agentInbox.shift() as AgentTask;
        try {
          await this.agentTask(task);
        } catch (err) {
          this.onError(err, "read_agent");
        }
      }
    } finally {
      this.agentDraining = false;
    }
  }

  private async agentTask(task: AgentTask): Promise<void> {
    if ("catchUp" in task) {
      if (task.catchUp === "start") {
        // Earlier events were before this replica had listeners; start numbering from here.
        this.lastAgentId = (await this.channel.agentEventRange()).last ?? 0;
      } else if (this.lastAgentId !== null) {
        await this.agentCatchUp(this.lastAgentId, Number.POSITIVE_INFINITY);
      }
      return;
    }
    const last = this.lastAgentId;
    if (last !== null && task.id <= last) return;
    // Ids commit in order, so a skip is a notification this replica did not hear.
    if (last !== null && task.id > last + 1) await this.agentCatchUp(last, task.id);
    if (task.event === undefined) {
      // Too large to notify: read it back, unless nobody here would see it.
      const [row] = this.agents.size === 0 ? [] : await this.channel.agentEventsAfter(task.id - 1, 1);
      if (row?.id === task.id) this.deliverAgent(toNumbered(row));
      this.lastAgentId = task.id;
      return;
    }
    this.deliverAgent({ id: task.id, at: task.at as number, event: task.event as AgentEvent });
  }

  /** Delivers logged events after `after` and before `before`. */
  private async agentCatchUp(after: number, before: number): Promise<void> {
    let from = after;
    for (;;) {
      const rows = await this.channel.agentEventsAfter(from, 500);
      for (const r of rows) {
        if (r.id >= before) return;
        this.deliverAgent(toNumbered(r));
        from = r.id;
      }
      if (rows.length < 500) return;
    }
  }

  private deliverAgent(n: NumberedAgentEvent): void {
    this.lastAgentId = n.id;
    for (const l of [...this.agents]) {
      try {
        l(n);
      } catch {
        this.agents.delete(l);
      }
    }
  }
}

function toNumbered(r: StoredAgentEvent): NumberedAgentEvent {
  return { id: r.id, at: r.at, event: JSON.parse(r.event) as AgentEvent };
}
