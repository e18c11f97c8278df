import type {
  Backend,
  BackendHealth,
  BackendStats,
  ChatEvent,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResult,
  FinishReason,
} from "@seekdesk/core";
import { InvalidRequestError, newId, UnavailableError } from "@seekdesk/core";
import {
  type ChatModelFunctions,
  type ChatWrapper,
  getLlama,
  type Llama,
  LlamaChat,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
  TokenBias,
} from "node-llama-cpp";
import {
  promptOpensThink,
  type ReasoningMode,
  reasoningEnabled,
  ThinkSplitter,
} from "../reasoning/think-splitter.ts";
import { BoundedQueue } from "../util/bounded-queue.ts";
import { EventChannel } from "../util/event-channel.ts";
import { toChatHistory } from "./chat-history.ts";
import { toGbnfSchema, toolCallSchema } from "./json-schema.ts";

export type LlamaGpu = "auto" | false | "cpu" | "cuda" | "vulkan" | "metal";

export interface LlamaBackendOptions {
  /** The model ids clients use; the first is the primary one (stats are reported under it). */
  ids: string[];
  /** A name for logs and metrics; defaults to the primary id. */
  name?: string;
  modelPath: string;
  /** Tokens per sequence. */
  contextSize?: number;
  /** CPU threads for evaluation; 0 or unset uses the machine's math cores. */
  threads?: number;
  /** Sequences in one context: this many requests are decoded together in each batch. */
  parallel?: number;
  /** Requests that may wait for a free sequence; one more gets RateLimitError. */
  maxQueue?: number;
  gpu?: LlamaGpu;
  /** Also create an embedding context and serve embed(). */
  embeddings?: boolean;
  /** Split `<think>` into reasoning events; `auto`: when the chat template mentions <think>. */
  reasoning?: ReasoningMode | boolean;
  /** Used when a request gives no temperature. */
  defaultTemperature?: number;
}

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  wrapper: ChatWrapper;
  slots: Slot[];
  reasoning: boolean;
  /** The chat wrapper itself turns `<think>` into thought segments. */
  wrapperThinks: boolean;
  embedding?: LlamaEmbeddingContext;
}

// One native runtime per GPU choice per process: loading it twice costs seconds and memory.
const runtimes = new Map<string, Promise<Llama>>();
function runtime(gpu: LlamaGpu): Promise<Llama> {
  const key = String(gpu);
  let r = runtimes.get(key);
  if (!r) {
    r = getLlama({ gpu: gpu === "cpu" ? false : gpu });
    runtimes.set(key, r);
  }
  return r;
}

/**
 * A GGUF model in this process through node-llama-cpp: one context with `parallel` sequences,
 * so concurrent requests share each decode batch (continuous batching); a bounded FIFO queue in
 * front of the sequences; chat templates from the GGUF; grammar-constrained JSON and tools.
 */
export class LlamaBackend implements Backend {
  readonly kind = "llama";
  readonly name: string;
  readonly models: readonly string[];
  private readonly loading: Promise<Loaded>;
  private loaded: Loaded | undefined;
  private loadError: unknown;
  private readonly queue: BoundedQueue;
  private readonly embedQueue: BoundedQueue;
  private readonly free: Slot[] = [];
  private readonly listeners = new Set<(s: BackendStats) => void>();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private closed = false;

  constructor(private readonly opts: LlamaBackendOptions) {
    if (opts.ids.length === 0) throw new RangeError("LlamaBackend needs at least one model id");
    this.name = opts.name ?? opts.ids[0];
    this.models = [...opts.ids];
    const parallel = opts.parallel ?? 1;
    this.queue = new BoundedQueue({
      capacity: parallel,
      maxWaiting: opts.maxQueue ?? 64,
      label: `model "${opts.ids[0]}"`,
      onChange: () => this.emitStats(),
    });
    this.embedQueue = new BoundedQueue({
      capacity: 1,
      maxWaiting: opts.maxQueue ?? 64,
      label: `embeddings of "${opts.ids[0]}"`,
    });
    this.loading = this.load(parallel);
    this.loading.then(
      (l) => {
        this.loaded = l;
      },
      (err: unknown) => {
        this.loadError = err;
      },
    );
  }

  /** Resolves once the model is loaded and warmed; rejects if loading failed. */
  async whenReady(): Promise<void> {
    await this.loading;
  }

  get contextSize(): number | undefined {
    return this.loaded?.context.contextSize;
  }

  private async load(parallel: number): Promise<Loaded> {
    const gpu = this.opts.gpu ?? "auto";
    const llama = await runtime(gpu);
    const model = await llama.loadModel({
      modelPath: this.opts.modelPath,
      gpuLayers: gpu === false || gpu === "cpu" ? 0 : "auto",
    });
    try {
      // llama.cpp threads spin at barriers: more threads than free cores makes decoding crawl.
      const threads = this.opts.threads || llama.cpuMathCores;
      const context = await model.createContext({
        contextSize: this.opts.contextSize ?? 4096,
        sequences: parallel,
        threads,
      });
      const wrapper: ChatWrapper = resolveChatWrapper(model);
      const template = model.fileInfo.metadata.tokenizer?.chat_template;
      const mode = this.opts.reasoning;
      const reasoning = reasoningEnabled(
        mode === true ? "on" : mode === false ? "off" : (mode ?? "auto"),
        template,
      );
      const slots: Slot[] = [];
      while (context.sequencesLeft > 0) {
        const sequence = context.getSequence();
        slots.push({ sequence, chat: new LlamaChat({ contextSequence: sequence, chatWrapper: wrapper }) });
      }
      const embedding = this.opts.embeddings
        ? await model.createEmbeddingContext({
            contextSize: Math.min(this.opts.contextSize ?? 4096, model.trainContextSize),
            threads,
          })
        : undefined;
      const loaded: Loaded = {
        llama,
        model,
        context,
        wrapper,
        slots,
        reasoning,
        wrapperThinks: wrapper.settings.segments?.thought !== undefined,
        embedding,
      };
      // Warm-up: one short generation pages the weights in and compiles the template path.
      await slots[0].chat.generateResponse(
        [
          { type: "user", text: "Hi" },
          { type: "model", response: [] },
        ],
        { maxTokens: 1 },
      );
      await slots[0].sequence.clearHistory();
      this.free.push(...slots);
      return loaded;
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  async health(): Promise<BackendHealth> {
    if (this.loadError !== undefined) {
      return { ok: false, ready: false, detail: errorText(this.loadError) };
    }
    if (this.closed) return { ok: false, ready: false, detail: "closed" };
    return { ok: true, ready: this.loaded !== undefined, detail: this.loaded ? undefined : "loading" };
  }

  stats(): BackendStats[] {
    const s = this.queue.stats;
    return [{ model: this.models[0], queueDepth: s.waiting, activeSequences: s.active }];
  }

  onStatsChange(listener: (stats: BackendStats) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emitStats(): void {
    const [s] = this.stats();
    for (const l of this.listeners) l(s);
  }

  private async ready(signal: AbortSignal): Promise<Loaded> {
    if (this.closed) throw new UnavailableError(`Model ${this.name} is shut down`);
    if (this.loaded) return this.loaded;
    if (this.loadError !== undefined)
      throw new UnavailableError(`Model ${this.name} failed to load: ${errorText(this.loadError)}`);
    // Requests that come during warm-up wait for it (bounded by their own signal).
    return await new Promise<Loaded>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.loading.then(resolve, (err: unknown) =>
        reject(new UnavailableError(`Model ${this.name} failed to load: ${errorText(err)}`)),
      );
    });
  }

  chat(req: ChatRequest, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return this.withSlot(signal, (l, slot, inner, push) => this.generateChat(l, slot, req, inner, push));
  }

  complete(req: CompletionRequest, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return this.withSlot(signal, (l, slot, inner, push) =>
      this.generateCompletion(l, slot, req, inner, push),
    );
  }

  /**
   * Runs one generation on a free sequence and streams its events. The sequence goes back to
   * the pool only after the native generation has stopped, so an aborted request frees it as
   * soon as the token in flight is done, and never while it is still being written.
   */
  private async *withSlot(
    signal: AbortSignal,
    run: (l: Loaded, slot: Slot, signal: AbortSignal, push: (e: ChatEvent) => void) => Promise<void>,
  ): AsyncGenerator<ChatEvent> {
    const l = await this.ready(signal);
    const release = await this.queue.acquire(signal);
    const slot = this.free.pop() as Slot;
    const inner = new AbortController();
    const onAbort = () => inner.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const channel = new EventChannel<ChatEvent>();
    const generation = run(l, slot, inner.signal, channel.push).then(channel.end, channel.fail);
    try {
      yield* channel;
    } finally {
      signal.removeEventListener("abort", onAbort);
      inner.abort(new DOMException("The consumer stopped reading", "AbortError"));
      await generation;
      this.free.push(slot);
      release();
    }
  }

  private async generateChat(
    l: Loaded,
    slot: Slot,
    req: ChatRequest,
    signal: AbortSignal,
    push: (e: ChatEvent) => void,
  ): Promise<void> {
    const history = toChatHistory(req.messages, { thoughtSegments: l.reasoning && l.wrapperThinks });
    const tools = req.toolChoice === "none" ? [] : (req.tools ?? []);
    const forced = forcedTools(tools, req.toolChoice);
    let grammar: LlamaGrammar | undefined;
    let functions: ChatModelFunctions | undefined;
    if (forced) grammar = await this.grammarFor(l, toolCallSchema(forced));
    else if (tools.length > 0) functions = toFunctions(tools);
    else if (req.responseFormat?.type === "json_object") grammar = await this.grammarFor(l, "json");
    else if (req.responseFormat?.type === "json_schema") {
      grammar = await this.grammarFor(
        l,
        toGbnfSchema(req.responseFormat.json_schema.schema, "response_format.json_schema.schema"),
      );
    }

    const rendered = l.wrapper.generateContextState({ chatHistory: history, availableFunctions: functions });
    const promptTokens = rendered.contextText.tokenize(l.model.tokenizer).length;
    checkPromptFits(promptTokens, slot.sequence.contextSize);
    const splitter =
      l.reasoning && !grammar
        ? new ThinkSplitter({
            startInside: !l.wrapperThinks && promptOpensThink(rendered.contextText.toString()),
          })
        : undefined;
    const outputBefore = slot.sequence.tokenMeter.usedOutputTokens;
    let forcedText = "";

    const common = {
      ...sampling(req, this.opts.defaultTemperature, signal),
      ...tokenBias(l.model, req.logitBias),
      budgets: { thoughtTokens: Number.POSITIVE_INFINITY },
      onResponseChunk: (c: {
        type: "segment" | undefined;
        segmentType: string | undefined;
        text: string;
      }) => {
        if (!c.text) return;
        if (c.type === "segment") {
          push({ type: c.segmentType === "thought" && l.reasoning ? "reasoning" : "text", text: c.text });
        } else if (forced) {
          forcedText += c.text;
        } else if (splitter) {
          for (const p of splitter.push(c.text)) push({ type: p.type, text: p.text });
        } else {
          push({ type: "text", text: c.text });
        }
      },
    };
    const result = functions
      ? await slot.chat.generateResponse(history, { ...common, functions })
      : await slot.chat.generateResponse(history, { ...common, grammar });
    if (splitter) for (const p of splitter.flush()) push({ type: p.type, text: p.text });

    let reason = finishReason(result.metadata.stopReason);
    for (const fc of result.functionCalls ?? []) {
      push({
        type: "tool_call",
        call: {
          id: newId("call_"),
          type: "function",
          function: { name: fc.functionName, arguments: JSON.stringify(fc.params ?? {}) },
        },
      });
      reason = "tool_calls";
    }
    if (forced) {
      const call = parseForcedCall(forcedText);
      if (call) {
        push({ type: "tool_call", call: { id: newId("call_"), type: "function", function: call } });
        reason = "tool_calls";
      } else if (forcedText) {
        // Cut off by max_tokens before the call was complete: hand back what there is.
        push({ type: "text", text: forcedText });
      }
    }
    push({
      type: "finish",
      reason,
      usage: { promptTokens, completionTokens: slot.sequence.tokenMeter.usedOutputTokens - outputBefore },
    });
  }

  private async generateCompletion(
    l: Loaded,
    slot: Slot,
    req: CompletionRequest,
    signal: AbortSignal,
    push: (e: ChatEvent) => void,
  ): Promise<void> {
    const completion = new LlamaCompletion({ contextSequence: slot.sequence });
    try {
      const promptTokens = l.model.tokenize(req.prompt).length;
      checkPromptFits(promptTokens, slot.sequence.contextSize);
      const outputBefore = slot.sequence.tokenMeter.usedOutputTokens;
      const result = await completion.generateCompletionWithMeta(req.prompt, {
        ...sampling(req, this.opts.defaultTemperature, signal),
        ...tokenBias(l.model, req.logitBias),
        onTextChunk: (text) => {
          if (text) push({ type: "text", text });
        },
      });
      push({
        type: "finish",
        reason: finishReason(result.metadata.stopReason),
        usage: {
          promptTokens,
          completionTokens: slot.sequence.tokenMeter.usedOutputTokens - outputBefore,
        },
      });
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }

  async embed(req: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const l = await this.ready(signal);
    if (!l.embedding) {
      throw new InvalidRequestError(
        `The model \`${req.model}\` is not configured for embeddings`,
        "model",
        "unsupported",
      );
    }
    const release = await this.embedQueue.acquire(signal);
    try {
      const vectors: number[][] = [];
      let promptTokens = 0;
      for (const text of req.input) {
        signal.throwIfAborted();
        const tokens = l.model.tokenize(text);
        if (tokens.length > l.embedding.model.trainContextSize) {
          throw new InvalidRequestError(
            `input has ${tokens.length} tokens, more than the model's context`,
            "input",
          );
        }
        promptTokens += tokens.length;
        const e = await l.embedding.getEmbeddingFor(tokens);
        vectors.push([...e.vector]);
      }
      return { vectors, promptTokens };
    } finally {
      release();
    }
  }

  private grammarFor(l: Loaded, schema: "json" | object): Promise<LlamaGrammar> {
    const key = schema === "json" ? "json" : JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (!g) {
      g =
        schema === "json"
          ? l.llama.getGrammarFor("json")
          : l.llama.createGrammarForJsonSchema(schema as never);
      g.catch(() => this.grammars.delete(key));
      // Schemas repeat per client integration; a small cache saves the grammar compile.
      if (this.grammars.size >= 64) this.grammars.delete(this.grammars.keys().next().value as string);
      this.grammars.set(key, g);
    }
    return g.catch((err: unknown) => {
      throw new InvalidRequestError(
        `The JSON schema cannot be used as a grammar: ${errorText(err)}`,
        "response_format",
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const l = await this.loading.catch(() => undefined);
    if (!l) return;
    await l.embedding?.dispose();
    await l.context.dispose();
    await l.model.dispose();
  }
}

/**
 * OpenAI's logit_bias as node-llama-cpp's: each value is added to the token's logit by llama.cpp's
 * logit-bias sampler, and -100 (OpenAI: "should result in a ban") bans it outright. End-of-text
 * tokens are left alone, as node-llama-cpp does: a model must always be able to stop.
 */
function tokenBias(model: LlamaModel, bias: Record<string, number> | undefined) {
  if (!bias) return {};
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length;
  const out = new TokenBias(model.tokenizer);
  for (const [key, value] of Object.entries(bias)) {
    const token = Number(key);
    if (vocabulary !== undefined && token >= vocabulary)
      throw new InvalidRequestError(
        `logit_bias: token ${key} is not in the model's vocabulary of ${vocabulary} tokens`,
        "logit_bias",
      );
    out.set(token as Token, value <= -100 ? "never" : { logit: value });
  }
  return { tokenBias: out };
}

/** How many of the answer's latest tokens frequency and presence penalties count (OpenAI: all). */
const PENALTY_WINDOW = 4096;

/** What chat and completion alike pass node-llama-cpp: the request's sampling and stop settings. */
function sampling(
  req: ChatRequest | CompletionRequest,
  defaultTemperature: number | undefined,
  signal: AbortSignal,
) {
  return {
    signal,
    maxTokens: req.maxTokens,
    temperature: req.temperature ?? defaultTemperature ?? 0.7,
    topP: req.topP,
    seed: req.seed,
    customStopTriggers: req.stop?.length ? req.stop : undefined,
    // llama.cpp's penalties sampler subtracts as OpenAI describes. node-llama-cpp would count only
    // the last 64 generated tokens and skip newlines; OpenAI counts the whole answer, newlines too.
    // Left out, the sampler stays off as before.
    ...(req.frequencyPenalty !== undefined || req.presencePenalty !== undefined
      ? {
          repeatPenalty: {
            frequencyPenalty: req.frequencyPenalty ?? 0,
            presencePenalty: req.presencePenalty ?? 0,
            lastTokens: PENALTY_WINDOW,
            penalizeNewLine: true,
          },
        }
      : {}),
  };
}

function forcedTools(tools: ChatRequest["tools"] & object, choice: unknown) {
  if (tools.length === 0) return undefined;
  if (choice === "required") return tools;
  if (choice && typeof choice === "object") {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    const tool = tools.find((t) => t.function.name === name);
    if (!tool)
      throw new InvalidRequestError(
        `tool_choice names ${JSON.stringify(name)}, which is not among tools`,
        "tool_choice",
      );
    return [tool];
  }
  return undefined;
}

function toFunctions(tools: NonNullable<ChatRequest["tools"]>): ChatModelFunctions {
  const out: Record<string, { description?: string; params?: ReturnType<typeof toGbnfSchema> }> = {};
  tools.forEach((t, i) => {
    out[t.function.name] = {
      description: t.function.description,
      params: t.function.parameters
        ? toGbnfSchema(t.function.parameters, `tools[${i}].function.parameters`)
        : undefined,
    };
  });
  return out;
}

function parseForcedCall(text: string): { name: string; arguments: string } | undefined {
  try {
    const v = JSON.parse(text) as { name?: unknown; arguments?: unknown };
    if (typeof v.name !== "string") return undefined;
    return { name: v.name, arguments: JSON.stringify(v.arguments ?? {}) };
  } catch {
    return undefined;
  }
}

/** A prompt that cannot fit is the client's to shorten, not a backend failure to fail over from. */
function checkPromptFits(promptTokens: number, contextSize: number): void {
  if (promptTokens >= contextSize) {
    throw new InvalidRequestError(
      `This model's context is ${contextSize} tokens, but the prompt has ${promptTokens} tokens`,
      "messages",
      "context_length_exceeded",
    );
  }
}

function finishReason(stop: string): FinishReason {
  if (stop === "maxTokens") return "length";
  if (stop === "functionCalls") return "tool_calls";
  if (stop === "abort") return "abort";
  return "stop";
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
