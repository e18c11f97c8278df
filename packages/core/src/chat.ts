/** Provider-neutral chat types. Mirrors the OpenAI chat API where it is the lingua franca. */

export type Role = "system" | "user" | "assistant" | "tool";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content: string | null;
  /** DeepSeek-R1 style reasoning; never sent back to a model as content. */
  reasoning_content?: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

export interface SamplingOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** −2…2, as OpenAI: lowers a token's logit by this much times how often it already appeared. */
  frequencyPenalty?: number;
  /** −2…2, as OpenAI: lowers the logit of every token that already appeared by this much. */
  presencePenalty?: number;
  /** Token id (in the model's own vocabulary) → −100…100 added to its logit; −100 bans it. */
  logitBias?: Record<string, number>;
}

export interface ChatRequest extends SamplingOptions {
  model: string;
  messages: ChatMessage[];
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  toolChoice?: unknown;
  /** Opaque request id for logs and tracing. */
  requestId?: string;
}

export interface CompletionRequest extends SamplingOptions {
  model: string;
  prompt: string;
  requestId?: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "abort";

/** What a backend streams. Streaming is the normal case; a non-streaming reply is the folded stream. */
export type ChatEvent =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "finish"; reason: FinishReason; usage: Usage };

export interface EmbeddingRequest {
  model: string;
  input: string[];
  requestId?: string;
}

export interface EmbeddingResult {
  vectors: number[][];
  promptTokens: number;
}
