import type { Usage } from "@seekdesk/core";
import type { BreakerState } from "./circuit-breaker.ts";

export type RequestKind = "chat" | "completion" | "embedding";

export interface RequestInfo {
  requestId?: string;
  /** The model id after alias resolution. */
  model: string;
  kind: RequestKind;
}

export interface RequestEnd extends RequestInfo {
  /** The backend that answered, or the last one tried. */
  backend?: string;
  outcome: "ok" | "error" | "aborted";
  error?: unknown;
  durationMs: number;
  usage?: Usage;
}

/**
 * Hooks the gateway turns into metrics and logs. All are optional and called synchronously on
 * the request's path, so they must be cheap and must not throw.
 */
export interface EngineObserver {
  onRequestStart?(info: RequestInfo): void;
  onRequestEnd?(info: RequestEnd): void;
  /** The first text, reasoning or tool-call event: time to first token. */
  onFirstToken?(info: RequestInfo & { backend: string; latencyMs: number }): void;
  /** Token counts once a generation has finished. */
  onTokens?(info: RequestInfo & { backend: string; promptTokens: number; completionTokens: number }): void;
  onBackendError?(info: RequestInfo & { backend: string; error: unknown }): void;
  onFailover?(info: RequestInfo & { from: string; to: string; error: unknown }): void;
  onQueueDepth?(info: { model: string; backend: string; depth: number }): void;
  onActiveSequences?(info: { model: string; backend: string; active: number }): void;
  onBreakerChange?(info: { backend: string; state: BreakerState }): void;
  onHealthChange?(info: { backend: string; ok: boolean; ready: boolean; detail?: string }): void;
}

/** Calls an observer hook, keeping a faulty observer from breaking the request. */
export function notify<K extends keyof EngineObserver>(
  observer: EngineObserver | undefined,
  hook: K,
  arg: Parameters<NonNullable<EngineObserver[K]>>[0],
): void {
  const fn = observer?.[hook] as ((a: typeof arg) => void) | undefined;
  if (!fn) return;
  try {
    fn.call(observer, arg);
  } catch {
    // Metrics must never cost a request.
  }
}
