import type { Engine, EngineObserver } from "@seekdesk/engine";
import type { InferenceEngine, ModelLoad, ServedModel } from "./engine.ts";
import type { GatewayMetrics } from "./metrics.ts";

/**
 * Serves the engine package's router through the gateway's InferenceEngine view: readiness
 * becomes a flag flipped once warm-up has finished (so /ready costs no I/O), aliases are folded
 * into their model, and load figures are summed per model for the queue-depth gauge.
 */
export class EngineAdapter implements InferenceEngine {
  private isReady = false;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly served: ServedModel[];
  /** Stops the warm-up wait when the gateway closes before the models are ready. */
  private readonly closing = new AbortController();

  constructor(
    private readonly engine: Engine,
    opts: { signal?: AbortSignal; onReady?: () => void; onError?: (err: unknown) => void } = {},
  ) {
    const infos = engine.listModels();
    this.served = infos
      .filter((m) => m.aliasOf === undefined)
      .map((m) => ({
        id: m.id,
        aliases: infos.filter((a) => a.aliasOf === m.id).map((a) => a.id),
        kind: m.kinds.join("+"),
        created: this.created,
      }));
    engine
      .waitReady(opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal)
      .then(
        () => {
          this.isReady = true;
          opts.onReady?.();
        },
        (err) => {
          if (!this.closing.signal.aborted) opts.onError?.(err);
        },
      );
  }

  listModels(): readonly ServedModel[] {
    return this.served;
  }
  chat: InferenceEngine["chat"] = (req, signal) => this.engine.chat(req, signal);
  complete: InferenceEngine["complete"] = (req, signal) => this.engine.complete(req, signal);
  embed: InferenceEngine["embed"] = (req, signal) => this.engine.embed(req, signal);
  ready(): boolean {
    return this.isReady;
  }
  load(): readonly ModelLoad[] {
    const by = new Map<string, ModelLoad>();
    for (const s of this.engine.stats()) {
      const l = by.get(s.model) ?? { model: s.model, queued: 0, active: 0 };
      l.queued += s.queueDepth;
      l.active += s.activeSequences;
      by.set(s.model, l);
    }
    return [...by.values()];
  }
  close(): Promise<void> {
    this.closing.abort();
    return this.engine.close();
  }
}

/**
 * Feeds engine events into the gateway's metrics. Created before the engine (which takes its
 * observer at construction) and attached to the metrics once the gateway exists.
 */
export class MetricsObserver implements EngineObserver {
  private metrics: GatewayMetrics | null = null;

  attach(metrics: GatewayMetrics): void {
    this.metrics = metrics;
  }

  onBackendError(info: { model: string; backend: string; error: unknown }): void {
    const kind =
      info.error instanceof Error
        ? ("code" in info.error && typeof info.error.code === "string" && info.error.code) || info.error.name
        : "unknown";
    this.metrics?.backendErrors.inc({ model: info.model, backend: info.backend, kind });
  }

  onFailover(info: { model: string; from: string; to: string }): void {
    this.metrics?.failovers.inc({ model: info.model, from: info.from, to: info.to });
  }
}
