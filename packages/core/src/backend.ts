import type { ChatEvent, ChatRequest, CompletionRequest, EmbeddingRequest, EmbeddingResult } from "./chat.ts";

/** Load figures of one model on one backend, for queue-depth and active-sequence gauges. */
export interface BackendStats {
  model: string;
  /** Requests waiting for a free sequence. */
  queueDepth: number;
  /** Requests currently generating. */
  activeSequences: number;
}

export interface BackendHealth {
  ok: boolean;
  /** Loaded and warmed; a backend that is ok but not ready takes no traffic yet. */
  ready: boolean;
  detail?: string;
}

/**
 * One model server behind one interface (llama.cpp in-process, or any OpenAI-compatible URL).
 * Every long call takes an AbortSignal; aborting frees whatever the call held.
 */
export interface Backend {
  readonly name: string;
  readonly kind: string;
  /** The model ids this backend answers to. */
  readonly models: readonly string[];
  chat(req: ChatRequest, signal: AbortSignal): AsyncIterable<ChatEvent>;
  complete?(req: CompletionRequest, signal: AbortSignal): AsyncIterable<ChatEvent>;
  embed?(req: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult>;
  health(signal?: AbortSignal): Promise<BackendHealth>;
  /** Current load per model; backends without local queues may leave it out. */
  stats?(): BackendStats[];
  /** Called whenever stats() changes; returns an unsubscribe function. */
  onStatsChange?(listener: (stats: BackendStats) => void): () => void;
  close(): Promise<void>;
}
