import { Counter, Gauge, Histogram, type Registry } from "prom-client";

const TURN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** What the conversation service reports as it works; the plugin binds it to Prometheus. */
export interface DeskObserver {
  message(role: "user" | "bot" | "agent", inputKind?: string): void;
  turn(seconds: number, intent: string | null): void;
  handoff(reason: string): void;
  accepted(waitSeconds: number): void;
}

/**
 * The desk's metrics on the gateway's registry (served at /metrics): turn latency, messages by
 * role and input kind, hand-offs by reason, time to an agent, and the queue length read from the
 * store at scrape time.
 */
export function deskMetrics(registry: Registry, queueLength: () => Promise<number>): DeskObserver {
  const registers = [registry];
  const messages = new Counter({
    name: "seekdesk_desk_messages_total",
    help: "Conversation messages stored, by role and (for customers) input kind",
    labelNames: ["role", "input"],
    registers,
  });
  const turns = new Histogram({
    name: "seekdesk_desk_turn_duration_seconds",
    help: "Time from a customer's message to the stored bot reply",
    buckets: TURN_BUCKETS,
    registers,
  });
  const handoffs = new Counter({
    name: "seekdesk_desk_handoffs_total",
    help: "Hand-off tickets opened, by trigger",
    labelNames: ["reason"],
    registers,
  });
  const waits = new Histogram({
    name: "seekdesk_desk_handoff_wait_seconds",
    help: "Time from a hand-off to an agent accepting it",
    buckets: WAIT_BUCKETS,
    registers,
  });
  new Gauge({
    name: "seekdesk_desk_queue_length",
    help: "Hand-off tickets waiting for an agent",
    registers,
    async collect() {
      this.set(await queueLength());
    },
  });
  return {
    message: (role, inputKind) => messages.inc({ role, input: inputKind ?? "" }),
    turn: (seconds) => turns.observe(seconds),
    handoff: (reason) => handoffs.inc({ reason }),
    accepted: (waitSeconds) => waits.observe(waitSeconds),
  };
}

/** What a replicated event bus reports (Postgres only): failures and resynchronisations. */
export interface DeskEventObserver {
  error(what: string): void;
  resync(reason: "reconnect" | "sender_gap"): void;
}

/**
 * `seekdesk_desk_event_errors_total{what}`: sends or reads between replicas that failed (events
 * lost for other replicas until they resync); `seekdesk_desk_event_resyncs_total{reason}`: times
 * this replica's streams re-read the store because it may have missed events.
 */
export function deskEventMetrics(registry: Registry): DeskEventObserver {
  const registers = [registry];
  const errors = new Counter({
    name: "seekdesk_desk_event_errors_total",
    help: "Desk events that could not be sent to or read from the other replicas, by step",
    labelNames: ["what"],
    registers,
  });
  const resyncs = new Counter({
    name: "seekdesk_desk_event_resyncs_total",
    help: "Times this replica's event streams re-read the store after possibly missing events",
    labelNames: ["reason"],
    registers,
  });
  return {
    error: (what) => errors.inc({ what }),
    resync: (reason) => resyncs.inc({ reason }),
  };
}
