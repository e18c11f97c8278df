import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ModelLoad } from "./engine.ts";
import { AUTH_FAILURE_OUTCOMES } from "./keys/failed-keys.ts";

/** Latency buckets in seconds, from sub-millisecond gateway paths to minute-long generations. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];

/**
 * The gateway's Prometheus metrics, on a registry of its own so that several gateways in one
 * process (tests, the bench) never share counters. Names are documented in docs/API.md and used
 * by deploy/grafana and deploy/prometheus.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"route" | "model" | "status">;
  readonly requestDuration: Histogram<"route" | "model">;
  readonly timeToFirstToken: Histogram<"model">;
  readonly timePerOutputToken: Histogram<"model">;
  readonly promptTokens: Counter<"model">;
  readonly generatedTokens: Counter<"model">;
  readonly activeSequences: Gauge<"model">;
  readonly queueDepth: Gauge<"model">;
  readonly backendErrors: Counter<"model" | "backend" | "kind">;
  readonly failovers: Counter<"model" | "from" | "to">;
  readonly rateLimited: Counter<"reason">;
  readonly authFailures: Counter<"outcome">;
  readonly keyRequests: Counter<"key">;
  readonly keyTokens: Counter<"key">;

  constructor(opts: { load?: () => readonly ModelLoad[]; processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "seekdesk_requests_total",
      help: "HTTP and gRPC requests by route, model and status code",
      labelNames: ["route", "model", "status"],
      registers,
    });
    this.requestDuration = new Histogram({
      name: "seekdesk_request_duration_seconds",
      help: "Time from request received to last byte sent",
      labelNames: ["route", "model"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: "seekdesk_time_to_first_token_seconds",
      help: "Time from request received to the first generated token",
      labelNames: ["model"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.timePerOutputToken = new Histogram({
      name: "seekdesk_time_per_output_token_seconds",
      help: "Mean time between generated tokens after the first, per request",
      labelNames: ["model"],
      buckets: TPOT_BUCKETS,
      registers,
    });
    this.promptTokens = new Counter({
      name: "seekdesk_prompt_tokens_total",
      help: "Prompt tokens processed",
      labelNames: ["model"],
      registers,
    });
    this.generatedTokens = new Counter({
      name: "seekdesk_generated_tokens_total",
      help: "Tokens generated",
      labelNames: ["model"],
      registers,
    });
    this.activeSequences = new Gauge({
      name: "seekdesk_active_sequences",
      help: "Generations in flight through the gateway",
      labelNames: ["model"],
      registers,
    });
    const load = opts.load;
    this.queueDepth = new Gauge({
      name: "seekdesk_queue_depth",
      help: "Requests waiting for a free sequence",
      labelNames: ["model"],
      registers,
      collect() {
        if (!load) return;
        this.reset();
        for (const l of load()) this.set({ model: l.model }, l.queued);
      },
    });
    this.backendErrors = new Counter({
      name: "seekdesk_backend_errors_total",
      help: "Errors returned by model backends",
      labelNames: ["model", "backend", "kind"],
      registers,
    });
    this.failovers = new Counter({
      name: "seekdesk_failovers_total",
      help: "Requests moved from a failing backend to the next one",
      labelNames: ["model", "from", "to"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "seekdesk_rate_limited_total",
      help: "Requests refused with 429, by reason (queue, rpm, tpm)",
      labelNames: ["reason"],
      registers,
    });
    this.authFailures = new Counter({
      name: "seekdesk_auth_failures_total",
      help: "Requests refused for their API key: missing_key, invalid_key, or throttled (the client sent too many invalid keys)",
      labelNames: ["outcome"],
      registers,
    });
    // One series per key id (keys are made by admins: tens or hundreds, not one per client).
    this.keyRequests = new Counter({
      name: "seekdesk_key_requests_total",
      help: "Requests admitted per API key id (widget keys included), past its requests-per-minute limit",
      labelNames: ["key"],
      registers,
    });
    this.keyTokens = new Counter({
      name: "seekdesk_key_tokens_total",
      help: "Tokens (prompt + generated) charged per API key id, as its tokens-per-minute limit counts them",
      labelNames: ["key"],
      registers,
    });
    // Zeros from the start, so an alert's rate() sees the first guess.
    for (const outcome of AUTH_FAILURE_OUTCOMES) this.authFailures.inc({ outcome }, 0);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }
}
