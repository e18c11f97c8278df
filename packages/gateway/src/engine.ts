import type {
  ChatEvent,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResult,
} from "@seekdesk/core";

export interface ServedModel {
  id: string;
  /** Other names that resolve to this model. */
  aliases: readonly string[];
  /** "llama" or "openai": shown as owned_by. */
  kind: string;
  /** Unix seconds the model was loaded. */
  created: number;
}

export interface ModelLoad {
  model: string;
  /** Requests waiting for a sequence. */
  queued: number;
  /** Sequences generating now. */
  active: number;
}

/**
 * What the gateway needs from the model layer. The engine package's router implements it;
 * anything else that can answer (a test double for a fault, a single Backend) can too.
 * Errors are the typed errors of @seekdesk/core: an unknown model throws NotFoundError with code
 * `model_not_found`, a full queue RateLimitError; these surface from the first `next()` of the
 * iterator, before the gateway has sent a byte, so they keep their status code.
 */
export interface InferenceEngine {
  listModels(): readonly ServedModel[];
  chat(req: ChatRequest, signal: AbortSignal): AsyncIterable<ChatEvent>;
  complete(req: CompletionRequest, signal: AbortSignal): AsyncIterable<ChatEvent>;
  embed(req: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult>;
  /** All models loaded and warmed. */
  ready(): boolean;
  /** Queue depth and active sequences per model, read at scrape time. */
  load?(): readonly ModelLoad[];
  close(): Promise<void>;
}
