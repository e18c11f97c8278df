import type {
  Backend,
  BackendHealth,
  BackendStats,
  ChatEvent,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResult,
} from "@seekdesk/core";
import {
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  SeekdeskError,
  TimeoutError,
  UnavailableError,
  UpstreamError,
} from "@seekdesk/core";
import { isAbort, sleep } from "../util/abort.ts";
import { BoundedQueue } from "../util/bounded-queue.ts";
import { backoffDelay, type RetryOptions } from "./backoff.ts";
import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.ts";
import { type EngineObserver, notify, type RequestInfo, type RequestKind } from "./observer.ts";

export interface EngineBackendEntry {
  backend: Backend;
  /** Share of traffic among the backends serving the same model (default 1). */
  weight?: number;
}

export interface ModelLimits {
  /** Requests in flight at once for this model, across its backends. */
  maxConcurrent: number;
  /** Requests waiting beyond that; more are refused with 429. */
  maxQueue: number;
}

export interface EngineOptions {
  backends: (Backend | EngineBackendEntry)[];
  /** alias → model id, e.g. { "deepseek-r1": "deepseek-r1-distill-qwen-7b" }. */
  aliases?: Record<string, string>;
  retry?: RetryOptions;
  breaker?: Omit<CircuitBreakerOptions, "onChange">;
  /** Active health checks; `false` turns them off. */
  healthCheck?: { intervalMs?: number; timeoutMs?: number } | false;
  /** Per-model gates for backends without their own queue (remote servers). */
  limits?: Record<string, ModelLimits>;
  observer?: EngineObserver;
  random?: () => number;
}

export interface ModelInfo {
  id: string;
  /** Set for an alias: the model it stands for. */
  aliasOf?: string;
  backends: string[];
  kinds: string[];
}

interface Member {
  backend: Backend;
  weight: number;
  breaker: CircuitBreaker;
  health: BackendHealth | undefined;
}

type Attempt<T> = (backend: Backend) => AsyncIterable<T>;

/**
 * Routes requests by model name to backends, with weighted choice, failover, retries before
 * the first event, circuit breakers and active health checks. Knows nothing of HTTP.
 */
export class Engine {
  private readonly members: Member[];
  private readonly routes = new Map<string, Member[]>();
  private readonly aliases: Map<string, string>;
  private readonly gates = new Map<string, BoundedQueue>();
  private readonly observer: EngineObserver | undefined;
  private readonly random: () => number;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: EngineOptions) {
    this.observer = opts.observer;
    this.random = opts.random ?? Math.random;
    this.members = opts.backends.map((b) => {
      const entry = "backend" in b ? b : { backend: b };
      const member: Member = {
        backend: entry.backend,
        weight: entry.weight ?? 1,
        health: undefined,
        breaker: new CircuitBreaker({
          ...opts.breaker,
          onChange: (state: BreakerState) =>
            notify(this.observer, "onBreakerChange", { backend: entry.backend.name, state }),
        }),
      };
      if (!(member.weight > 0))
        throw new RangeError(`backend ${entry.backend.name}: weight must be positive`);
      return member;
    });
    const names = new Set<string>();
    for (const m of this.members) {
      if (names.has(m.backend.name)) throw new RangeError(`two backends are named ${m.backend.name}`);
      names.add(m.backend.name);
      for (const model of m.backend.models) {
        const list = this.routes.get(model) ?? [];
        list.push(m);
        this.routes.set(model, list);
      }
      const off = m.backend.onStatsChange?.((s) => this.forwardStats(m.backend.name, s));
      if (off) this.unsubscribers.push(off);
    }
    this.aliases = new Map(Object.entries(opts.aliases ?? {}));
    for (const [alias, target] of this.aliases) {
      if (!this.routes.has(target)) throw new RangeError(`alias ${alias} points to unknown model ${target}`);
    }
    for (const [model, lim] of Object.entries(opts.limits ?? {})) {
      this.gates.set(
        model,
        new BoundedQueue({
          capacity: lim.maxConcurrent,
          maxWaiting: lim.maxQueue,
          label: `model "${model}"`,
          onChange: (s) =>
            this.forwardStats("engine", { model, queueDepth: s.waiting, activeSequences: s.active }),
        }),
      );
    }
    if (opts.healthCheck !== false) this.startHealthChecks();
  }

  /** Resolves an alias; unknown names are a 404 with the OpenAI code `model_not_found`. */
  resolveModel(name: string): string {
    const id = this.aliases.get(name) ?? name;
    if (!this.routes.has(id)) {
      throw new NotFoundError(`The model \`${name}\` does not exist`, "model_not_found", "model");
    }
    return id;
  }

  listModels(): ModelInfo[] {
    const out: ModelInfo[] = [];
    for (const [id, members] of this.routes) {
      out.push({
        id,
        backends: members.map((m) => m.backend.name),
        kinds: [...new Set(members.map((m) => m.backend.kind))],
      });
    }
    for (const [alias, target] of this.aliases) {
      const base = out.find((m) => m.id === target);
      if (base) out.push({ ...base, id: alias, aliasOf: target });
    }
    return out;
  }

  /** Every model has at least one backend loaded and warmed. */
  async ready(): Promise<boolean> {
    await Promise.all(this.members.filter((m) => !m.health?.ready).map((m) => this.checkHealth(m)));
    return [...this.routes.values()].every((ms) => ms.some((m) => m.health?.ready));
  }

  /** Resolves when ready() would be true, polling cheaply; for startup and tests. */
  async waitReady(signal?: AbortSignal, pollMs = 100): Promise<void> {
    while (!(await this.ready())) await sleep(pollMs, signal);
  }

  stats(): (BackendStats & { backend: string })[] {
    const out: (BackendStats & { backend: string })[] = [];
    for (const m of this.members)
      for (const s of m.backend.stats?.() ?? []) out.push({ ...s, backend: m.backend.name });
    for (const [model, gate] of this.gates) {
      out.push({
        backend: "engine",
        model,
        queueDepth: gate.stats.waiting,
        activeSequences: gate.stats.active,
      });
    }
    return out;
  }

  breakerState(backendName: string): BreakerState | undefined {
    return this.members.find((m) => m.backend.name === backendName)?.breaker.state;
  }

  chat(req: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatEvent> {
    const model = this.resolveModel(req.model);
    const routed = model === req.model ? req : { ...req, model };
    return this.run({ model, kind: "chat", requestId: req.requestId }, signal, (b) => b.chat(routed, signal));
  }

  complete(req: CompletionRequest, signal: AbortSignal): AsyncGenerator<ChatEvent> {
    const model = this.resolveModel(req.model);
    if (!this.routes.get(model)?.some((m) => m.backend.complete)) {
      throw new InvalidRequestError(
        `The model \`${req.model}\` does not serve raw completions`,
        "model",
        "unsupported",
      );
    }
    return this.run(
      { model, kind: "completion", requestId: req.requestId },
      signal,
      (b) => (b.complete as NonNullable<Backend["complete"]>).call(b, { ...req, model }, signal),
      (b) => b.complete !== undefined,
    );
  }

  async embed(req: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const model = this.resolveModel(req.model);
    const members = this.routes.get(model) ?? [];
    if (!members.some((m) => m.backend.embed)) {
      throw new InvalidRequestError(
        `The model \`${req.model}\` does not serve embeddings`,
        "model",
        "unsupported",
      );
    }
    let result: EmbeddingResult | undefined;
    const events = this.run(
      { model, kind: "embedding", requestId: req.requestId },
      signal,
      (b) => embedAsEvents(b, { ...req, model }, signal, (r) => (result = r)),
      (b) => b.embed !== undefined,
    );
    for await (const _ of events) {
      // the result arrives through the callback; the events only carry usage for the observer
    }
    return result as EmbeddingResult;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    for (const off of this.unsubscribers) off();
    await Promise.all(this.members.map((m) => m.backend.close()));
  }

  stopHealthChecks(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
  }

  private healthConfig(): { intervalMs?: number; timeoutMs?: number } {
    return this.opts.healthCheck === false ? {} : (this.opts.healthCheck ?? {});
  }

  private startHealthChecks(): void {
    const cfg = this.healthConfig();
    const interval = cfg.intervalMs ?? 10_000;
    this.healthTimer = setInterval(() => {
      for (const m of this.members) void this.checkHealth(m);
    }, interval);
    this.healthTimer.unref();
  }

  private async checkHealth(m: Member): Promise<void> {
    if (this.closed) return;
    const timeoutMs = this.healthConfig().timeoutMs ?? 5_000;
    let health: BackendHealth;
    try {
      health = await m.backend.health(AbortSignal.timeout(timeoutMs));
    } catch (err) {
      health = { ok: false, ready: false, detail: err instanceof Error ? err.message : String(err) };
    }
    const before = m.health;
    m.health = health;
    if (!before || before.ok !== health.ok || before.ready !== health.ready) {
      notify(this.observer, "onHealthChange", { backend: m.backend.name, ...health });
    }
  }

  private forwardStats(backend: string, s: BackendStats): void {
    notify(this.observer, "onQueueDepth", { model: s.model, backend, depth: s.queueDepth });
    notify(this.observer, "onActiveSequences", { model: s.model, backend, active: s.activeSequences });
  }

  /**
   * Candidate order for one request: weighted random order (Efraimidis–Spirakis keys u^(1/w)),
   * backends that failed their last health check or are still loading moved to the end, open
   * circuits left out.
   */
  private order(model: string, supports: (b: Backend) => boolean): Member[] {
    const members = this.routes.get(model) ?? [];
    // One backend (the common deployment): nothing to weigh or sort, no arrays to build.
    if (members.length === 1) {
      const only = members[0];
      return only.breaker.available && supports(only.backend) ? members : [];
    }
    const keyed = members
      .filter((m) => m.breaker.available && supports(m.backend))
      .map((m) => ({
        m,
        key: this.random() ** (1 / m.weight),
        // Failing health checks or still warming up: last resort only.
        down: m.health !== undefined && !(m.health.ok && m.health.ready),
      }));
    keyed.sort((a, b) => Number(a.down) - Number(b.down) || b.key - a.key);
    return keyed.map((k) => k.m);
  }

  private async *run<T extends ChatEvent>(
    info: RequestInfo,
    signal: AbortSignal,
    attempt: Attempt<T>,
    supports: (b: Backend) => boolean = () => true,
  ): AsyncGenerator<T> {
    const started = performance.now();
    const observer = this.observer;
    if (observer?.onRequestStart) notify(observer, "onRequestStart", info);
    let backendName: string | undefined;
    let outcome: "ok" | "error" | "aborted" = "error";
    let error: unknown;
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    let release: (() => void) | undefined;
    try {
      const gate = this.gates.get(info.model);
      if (gate) release = await gate.acquire(signal);
      for await (const ev of this.withFailover(
        info,
        signal,
        attempt,
        supports,
        (name) => (backendName = name),
      )) {
        if (ev.type === "finish") usage = ev.usage;
        yield ev;
      }
      outcome = "ok";
    } catch (err) {
      error = err;
      outcome = signal.aborted || isAbort(err) ? "aborted" : "error";
      throw err;
    } finally {
      release?.();
      // A consumer that stops iterating early ends here without an error: that is an abort too.
      if (outcome === "error" && error === undefined) outcome = "aborted";
      if (observer?.onRequestEnd) {
        notify(observer, "onRequestEnd", {
          ...info,
          backend: backendName,
          outcome,
          error,
          usage,
          durationMs: performance.now() - started,
        });
      }
    }
  }

  private async *withFailover<T extends ChatEvent>(
    info: RequestInfo,
    signal: AbortSignal,
    attempt: Attempt<T>,
    supports: (b: Backend) => boolean,
    onBackend: (name: string) => void,
  ): AsyncGenerator<T> {
    const order = this.order(info.model, supports);
    if (order.length === 0) {
      throw new UnavailableError(
        `No backend for model \`${info.model}\` is available (circuits open)`,
        "backend_unavailable",
      );
    }
    const retry = this.opts.retry ?? {};
    const attempts = Math.max(retry.maxAttempts ?? 3, order.length);
    let lastError: unknown;
    let rateLimited: RateLimitError | undefined;
    let onlyRateLimits = true;
    const busy = new Set<Member>();
    for (let i = 0; i < attempts; i++) {
      const member = order[i % order.length];
      // A busy backend said so: asking it again within the same request only adds latency.
      if (busy.has(member) || !member.breaker.tryAcquire()) continue;
      const name = member.backend.name;
      onBackend(name);
      const t0 = performance.now();
      let yielded = false;
      let settled = false;
      // The hooks' argument objects are built only for an observer that has the hook: these
      // two run on every request.
      const firstToken = this.observer?.onFirstToken !== undefined;
      const tokens = this.observer?.onTokens !== undefined && info.kind !== "embedding";
      try {
        for await (const ev of attempt(member.backend)) {
          if (firstToken && !yielded && ev.type !== "finish") {
            notify(this.observer, "onFirstToken", {
              ...info,
              backend: name,
              latencyMs: performance.now() - t0,
            });
          }
          if (tokens && ev.type === "finish") {
            notify(this.observer, "onTokens", { ...info, backend: name, ...ev.usage });
          }
          yielded = true;
          yield ev;
        }
        settled = true;
        member.breaker.success();
        return;
      } catch (err) {
        settled = true;
        if (signal.aborted || isAbort(err)) {
          member.breaker.release();
          throw err;
        }
        if (!isBackendFault(err)) {
          // The request was at fault (bad schema, unsupported feature): the backend is fine.
          member.breaker.success();
          throw err;
        }
        notify(this.observer, "onBackendError", { ...info, backend: name, error: err });
        if (err instanceof RateLimitError) {
          member.breaker.release();
          if (!rateLimited || err.retryAfterSeconds < rateLimited.retryAfterSeconds) rateLimited = err;
          busy.add(member);
        } else {
          onlyRateLimits = false;
          member.breaker.failure();
        }
        // Once bytes reached the client a retry would duplicate them: fail the stream instead.
        if (yielded) throw err;
        lastError = err;
        const next = this.nextAvailable(order, i + 1, attempts, busy);
        if (next === undefined) break;
        notify(this.observer, "onFailover", {
          ...info,
          from: name,
          to: order[next % order.length].backend.name,
          error: err,
        });
        // Back off only when the next attempt returns to a backend already tried.
        if (next >= order.length)
          await sleep(backoffDelay(Math.floor(next / order.length) - 1, retry, this.random), signal);
      } finally {
        if (!settled) member.breaker.release();
      }
    }
    // Every backend said "busy": the client should come back later, at the soonest time offered.
    if (rateLimited && onlyRateLimits) throw rateLimited;
    throw (
      lastError ??
      new UnavailableError(
        `No backend for model \`${info.model}\` is available (circuits open)`,
        "backend_unavailable",
      )
    );
  }

  private nextAvailable(
    order: Member[],
    from: number,
    attempts: number,
    busy: Set<Member>,
  ): number | undefined {
    for (let j = from; j < attempts; j++) {
      const m = order[j % order.length];
      if (m.breaker.available && !busy.has(m)) return j;
    }
    return undefined;
  }
}

/** Faults of the backend (worth a failover and counted by its breaker), as opposed to the request's. */
function isBackendFault(err: unknown): boolean {
  if (err instanceof RateLimitError || err instanceof UpstreamError || err instanceof TimeoutError)
    return true;
  if (err instanceof UnavailableError) return true;
  if (err instanceof SeekdeskError) return false;
  // Anything untyped (a socket error, a native crash) is the backend's.
  return true;
}

async function* embedAsEvents(
  b: Backend,
  req: EmbeddingRequest,
  signal: AbortSignal,
  done: (r: EmbeddingResult) => void,
): AsyncGenerator<ChatEvent> {
  if (!b.embed) throw new UnavailableError(`Backend ${b.name} does not serve embeddings`);
  const r = await b.embed(req, signal);
  done(r);
  yield { type: "finish", reason: "stop", usage: { promptTokens: r.promptTokens, completionTokens: 0 } };
}

export type { RequestKind };
