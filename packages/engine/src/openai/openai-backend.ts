import type {
  Backend,
  BackendHealth,
  ChatEvent,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResult,
  FinishReason,
  ToolCall,
  Usage,
} from "@seekdesk/core";
import { UpstreamError } from "@seekdesk/core";
import { type ReasoningMode, ThinkSplitter } from "../reasoning/think-splitter.ts";
import {
  type Deadlines,
  Exchange,
  errorFromResponse,
  readText,
  UpstreamPool,
  upstreamTarget,
} from "./http-client.ts";
import { SseParser } from "./sse.ts";

export interface OpenAICompatibleOptions {
  /** A name for logs and metrics, e.g. "vllm-a". */
  name: string;
  /** Up to and including the version prefix, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey?: string;
  /** The model ids clients use for this backend. */
  models: string[];
  /** Our model id → the upstream's model name, where they differ. */
  upstreamModel?: Record<string, string>;
  timeouts?: Partial<Deadlines>;
  /**
   * `auto`/`on`: split `<think>` tags out of `content` as well as passing `reasoning_content`
   * through (servers without a reasoning parser return R1 thoughts inline). `off`: content as is.
   */
  reasoning?: ReasoningMode;
  headers?: Record<string, string>;
}

export const defaultDeadlines: Deadlines = { connectMs: 5_000, firstTokenMs: 60_000, totalMs: 600_000 };

interface ToolCallAcc {
  id: string;
  name: string;
  args: string;
}

/** Any OpenAI-compatible server: vLLM, SGLang, Ollama, llama-server, the DeepSeek API, another seekdesk. */
export class OpenAICompatibleBackend implements Backend {
  readonly kind = "openai";
  readonly name: string;
  readonly models: readonly string[];
  private readonly pool: UpstreamPool;
  private readonly deadlines: Deadlines;
  private readonly headers: Record<string, string>;

  constructor(private readonly opts: OpenAICompatibleOptions) {
    this.name = opts.name;
    this.models = [...opts.models];
    this.deadlines = { ...defaultDeadlines, ...opts.timeouts };
    this.pool = new UpstreamPool(upstreamTarget(opts.baseUrl), this.deadlines.connectMs);
    this.headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      ...opts.headers,
    };
  }

  private upstream(model: string): string {
    return this.opts.upstreamModel?.[model] ?? model;
  }

  chat(req: ChatRequest, signal: AbortSignal): AsyncIterable<ChatEvent> {
    const body: Record<string, unknown> = {
      model: this.upstream(req.model),
      // reasoning_content is output only; the DeepSeek API rejects it in input messages.
      messages: req.messages.map(({ reasoning_content: _r, ...m }) => m),
      stream: true,
      stream_options: { include_usage: true },
      ...sampling(req),
    };
    if (req.responseFormat) body.response_format = req.responseFormat;
    if (req.tools?.length) body.tools = req.tools;
    if (req.toolChoice !== undefined) body.tool_choice = req.toolChoice;
    return this.stream("/chat/completions", body, signal);
  }

  complete(req: CompletionRequest, signal: AbortSignal): AsyncIterable<ChatEvent> {
    const body = {
      model: this.upstream(req.model),
      prompt: req.prompt,
      stream: true,
      stream_options: { include_usage: true },
      ...sampling(req),
    };
    return this.stream("/completions", body, signal);
  }

  async embed(req: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const json = await this.requestJson(
      "POST",
      "/embeddings",
      { model: this.upstream(req.model), input: req.input },
      signal,
    );
    const data = (json as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new UpstreamError(`${this.name}: embeddings answer has no data array`);
    const rows = data as { index?: number; embedding?: unknown }[];
    const vectors: number[][] = new Array(rows.length);
    rows.forEach((row, i) => {
      if (!Array.isArray(row.embedding) || !row.embedding.every((x) => typeof x === "number")) {
        throw new UpstreamError(`${this.name}: embedding ${i} is not a number array`);
      }
      vectors[typeof row.index === "number" ? row.index : i] = row.embedding as number[];
    });
    const usage = (json as { usage?: { prompt_tokens?: number } }).usage;
    return { vectors, promptTokens: usage?.prompt_tokens ?? 0 };
  }

  async health(signal?: AbortSignal): Promise<BackendHealth> {
    try {
      await this.requestJson("GET", "/models", undefined, signal ?? new AbortController().signal, {
        ...this.deadlines,
        firstTokenMs: Math.min(this.deadlines.firstTokenMs, 10_000),
        totalMs: Math.min(this.deadlines.totalMs, 15_000),
      });
      return { ok: true, ready: true };
    } catch (err) {
      return { ok: false, ready: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async requestJson(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    signal: AbortSignal,
    deadlines = this.deadlines,
  ): Promise<unknown> {
    const ex = new Exchange(signal, this.name);
    let read = false;
    try {
      ex.deadline(deadlines.totalMs, "complete answer");
      const clearFirst = ex.deadline(deadlines.firstTokenMs, "response");
      await ex.send(this.pool, {
        method,
        path,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      clearFirst();
      if (ex.statusCode >= 300) throw await errorFromResponse(ex, this.name);
      const text = await readText(ex);
      read = true;
      try {
        return JSON.parse(text);
      } catch {
        throw new UpstreamError(`${this.name}: answer is not JSON: ${text.slice(0, 120)}`);
      }
    } finally {
      // An answer left unread (too large, a failed read) must not hold its connection.
      if (!read) ex.fail(new DOMException("request closed", "AbortError"));
      ex.dispose();
    }
  }

  private async *stream(path: string, body: unknown, signal: AbortSignal): AsyncGenerator<ChatEvent> {
    const ex = new Exchange(signal, this.name);
    const state = new StreamState(this.name, this.opts.reasoning === "off" ? undefined : new ThinkSplitter());
    let completed = false;
    try {
      ex.deadline(this.deadlines.totalMs, "complete answer");
      const clearFirst = ex.deadline(this.deadlines.firstTokenMs, "first token");
      await ex.send(this.pool, {
        method: "POST",
        path,
        headers: this.headers,
        body: JSON.stringify(body),
      });
      if (ex.statusCode >= 300) throw await errorFromResponse(ex, this.name);
      const sse = new SseParser();
      for (;;) {
        const text = await ex.read();
        if (text === undefined) break;
        // What arrived since the last read goes up as one batch with adjacent deltas joined: a
        // burst of tokens costs one pass through the router's async layers instead of one per
        // token. (The first-token clock stops before yielding: a slow client must not trip it.)
        const batch = state.batch(sse.push(text));
        if (state.chunks > 0) clearFirst();
        for (const ev of batch.events) yield ev;
        if (batch.error !== undefined) throw batch.error;
        if (state.done) break;
      }
      if (!state.done) {
        const batch = state.batch(sse.end());
        for (const ev of batch.events) yield ev;
        if (batch.error !== undefined) throw batch.error;
      }
      yield* state.finish();
      completed = true;
    } finally {
      // A finished answer leaves its connection to the pool once the (normally empty) rest of
      // the body has been read; anything else (consumer stopped early, error, abort) tears the
      // upstream request down.
      if (completed) ex.discardRest();
      else ex.fail(new DOMException("stream closed", "AbortError"));
      ex.dispose();
    }
  }
}

/** Folds OpenAI stream chunks into ChatEvents: text, reasoning, tool-call deltas, usage. */
class StreamState {
  chunks = 0;
  done = false;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private readonly tools = new Map<number, ToolCallAcc>();

  constructor(
    private readonly name: string,
    private readonly splitter: ThinkSplitter | undefined,
  ) {}

  /**
   * Folds the data of several stream events (one socket read's worth) into ChatEvents, joining
   * adjacent text and adjacent reasoning deltas. A bad event ends the batch with an error after
   * the events before it, as if they had arrived on their own.
   */
  batch(data: readonly string[]): { events: ChatEvent[]; error?: unknown } {
    const events: ChatEvent[] = [];
    for (const d of data) {
      try {
        this.handle(d, events);
      } catch (error) {
        return { events, error };
      }
      if (this.done) break;
    }
    return { events };
  }

  private handle(data: string, out: ChatEvent[]): void {
    if (data === "[DONE]" || data.trim() === "[DONE]") {
      this.done = true;
      return;
    }
    const json = parseChunk(data, this.name);
    this.chunks++;
    const u = json.usage;
    if (u && typeof u.prompt_tokens === "number") {
      this.usage = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens ?? 0 };
    }
    const choice = json.choices?.[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === "string" && reasoning.length > 0) append(out, "reasoning", reasoning);
    const content = typeof delta.content === "string" ? delta.content : choice.text;
    if (typeof content === "string" && content.length > 0) {
      const plain = this.splitter ? this.splitter.plain(content) : "text";
      if (plain !== undefined) append(out, plain, content);
      else if (this.splitter) for (const p of this.splitter.push(content)) append(out, p.type, p.text);
    }
    for (const tc of delta.tool_calls ?? []) {
      const idx = typeof tc.index === "number" ? tc.index : this.tools.size;
      const acc = this.tools.get(idx) ?? { id: "", name: "", args: "" };
      if (tc.id) acc.id = tc.id;
      if (tc.function?.name) acc.name += tc.function.name;
      if (tc.function?.arguments) acc.args += tc.function.arguments;
      this.tools.set(idx, acc);
    }
    if (choice.finish_reason) this.finishReason = mapFinish(choice.finish_reason);
  }

  finish(): ChatEvent[] {
    if (!this.done && this.finishReason === undefined) {
      throw new UpstreamError(
        `${this.name}: stream ended before the answer finished (${this.chunks} chunks)`,
      );
    }
    const out: ChatEvent[] = [];
    if (this.splitter) for (const p of this.splitter.flush()) out.push({ type: p.type, text: p.text });
    const ordered = [...this.tools.entries()].sort((a, b) => a[0] - b[0]);
    for (const [i, t] of ordered) {
      const call: ToolCall = {
        id: t.id || `call_${i}`,
        type: "function",
        function: { name: t.name, arguments: t.args || "{}" },
      };
      out.push({ type: "tool_call", call });
    }
    out.push({
      type: "finish",
      reason: this.finishReason ?? (ordered.length > 0 ? "tool_calls" : "stop"),
      // Servers that ignore stream_options send no usage; count content chunks as tokens then.
      usage: this.usage ?? { promptTokens: 0, completionTokens: this.chunks },
    });
    return out;
  }
}

/** Adds a text or reasoning delta, joined onto the last event when that is of the same type. */
function append(out: ChatEvent[], type: "text" | "reasoning", text: string): void {
  const last = out[out.length - 1];
  if (last !== undefined && (last.type === "text" || last.type === "reasoning") && last.type === type)
    last.text += text;
  else out.push({ type, text });
}

function sampling(req: ChatRequest | CompletionRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (req.maxTokens !== undefined) out.max_tokens = req.maxTokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.topP !== undefined) out.top_p = req.topP;
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.stop?.length) out.stop = req.stop;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.logitBias !== undefined) out.logit_bias = req.logitBias;
  return out;
}

interface StreamChunk {
  error?: { message?: string } | string;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  choices?: {
    text?: string;
    finish_reason?: string | null;
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
  }[];
}

function parseChunk(data: string, name: string): StreamChunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new UpstreamError(`${name}: invalid JSON in stream: ${data.slice(0, 120)}`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new UpstreamError(`${name}: stream event is not an object`);
  }
  const chunk = json as StreamChunk;
  if (chunk.error) {
    const msg = typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "unknown error");
    throw new UpstreamError(`${name} reported an error mid-stream: ${msg}`);
  }
  if (chunk.choices !== undefined && !Array.isArray(chunk.choices)) {
    throw new UpstreamError(`${name}: stream event has a malformed choices field`);
  }
  return chunk;
}

function mapFinish(reason: string): FinishReason {
  switch (reason) {
    case "length":
    case "tool_calls":
    case "content_filter":
      return reason;
    case "function_call":
      return "tool_calls";
    default:
      return "stop";
  }
}
