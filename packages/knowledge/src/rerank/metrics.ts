import { Counter, type Registry } from "prom-client";
import type { RerankEvent } from "./guard.ts";

/** The one thing the observer needs from the gateway's pino logger. */
interface WarnLogger {
  warn(obj: object, msg: string): void;
}

const counters = new WeakMap<Registry, Counter<"outcome">>();

/**
 * Counts rerankings on the gateway's registry as `seekdesk_kb_rerank_total{outcome}` (reranked,
 * timeout, error, unusable) and logs every fallback as a warning with its reason and duration;
 * never the query text. One counter per registry, however many knowledge bases report to it.
 */
export function rerankObserver(registry: Registry, logger: WarnLogger): (e: RerankEvent) => void {
  let counter = counters.get(registry);
  if (!counter) {
    counter = new Counter({
      name: "seekdesk_kb_rerank_total",
      help: "Knowledge-base rerankings by outcome; any outcome but reranked kept the first-stage order",
      labelNames: ["outcome"],
      registers: [registry],
    });
    // Zeros from the start, so a dashboard's rate() sees the first fallback.
    for (const outcome of ["reranked", "timeout", "error", "unusable"]) counter.inc({ outcome }, 0);
    counters.set(registry, counter);
  }
  const c = counter;
  return (e) => {
    c.inc({ outcome: e.outcome });
    if (e.outcome !== "reranked")
      logger.warn(
        { reranker: e.reranker, outcome: e.outcome, ms: e.ms, error: e.error },
        "reranking failed; kept the first-stage order",
      );
  };
}
