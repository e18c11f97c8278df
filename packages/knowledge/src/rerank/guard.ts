import type { SearchHit } from "@seekdesk/core";
import type { Reranker } from "../kb.ts";

/** The reranker answered, but not with an order (a model that ignored the format, or noise). */
export class RerankUnusableError extends Error {
  override name = "RerankUnusableError";
}

/** How one reranking went: `reranked`, or why the first-stage order was kept. */
export type RerankOutcome = "reranked" | "timeout" | "error" | "unusable";

export interface RerankEvent {
  outcome: RerankOutcome;
  /** The reranker's name, e.g. `llm:deepseek-r1`. */
  reranker: string;
  /** Wall time of the attempt. */
  ms: number;
  /** What went wrong, for the log; absent when reranked. */
  error?: string;
}

export interface RerankGuardOptions {
  /** Give up and keep the first-stage order after this long. Default 5000. */
  timeoutMs?: number;
  /** Told every attempt's outcome (metrics, logs). Must not throw. */
  onOutcome?: (e: RerankEvent) => void;
  signal?: AbortSignal;
}

/**
 * Reranks, or returns the first-stage hits unchanged when the reranker fails, answers nothing
 * usable or takes longer than `timeoutMs`: reranking is an improvement on a result the search
 * already has, so its failure costs the improvement, never the search (or a customer's turn).
 * The reranker's call is aborted on timeout, freeing the model's sequence. Only the caller's own
 * abort is rethrown: then nobody waits for the result. With fewer than two hits in the reranker's
 * view there is no order to ask for: it is not called, no outcome is reported, and `reranked` is
 * false, so the flag (and the outcome counter) never claim a model call that did not happen.
 */
export async function rerankOrFallback(
  reranker: Reranker & { name?: string },
  query: string,
  hits: SearchHit[],
  opts: RerankGuardOptions = {},
): Promise<{ hits: SearchHit[]; reranked: boolean }> {
  if (Math.min(hits.length, reranker.candidates ?? hits.length) < 2) return { hits, reranked: false };
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 5000;
  const deadline = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      deadline.abort(new Error(`reranking took longer than ${timeoutMs} ms`));
      resolve("timeout");
    }, timeoutMs);
  });
  const report = (outcome: RerankOutcome, error?: unknown) =>
    opts.onOutcome?.({
      outcome,
      reranker: reranker.name ?? "reranker",
      ms: Math.round(performance.now() - started),
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
    });
  try {
    // The race also covers a reranker that ignores its signal.
    const out = await Promise.race([reranker.rerank(query, hits, signal), timedOut]);
    if (out === "timeout") {
      report("timeout", `no answer within ${timeoutMs} ms`);
      return { hits, reranked: false };
    }
    report("reranked");
    return { hits: out, reranked: true };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (deadline.signal.aborted) {
      report("timeout", `no answer within ${timeoutMs} ms`);
      return { hits, reranked: false };
    }
    report(err instanceof RerankUnusableError ? "unusable" : "error", err);
    return { hits, reranked: false };
  } finally {
    clearTimeout(timer);
  }
}
