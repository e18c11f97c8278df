import type { ChatEvent, FinishReason, ToolCall, Usage } from "@seekdesk/core";
import type { GatewayMetrics } from "./metrics.ts";

export interface GenerationResult {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * One generation in flight, shared by the HTTP and gRPC front ends. It pulls the first event
 * before the caller commits to a status code, so queue-full, unknown-model and backend errors
 * raised at the start still become proper 4xx/5xx answers; and it records TTFT, time per
 * output token, token counters and the active-sequences gauge exactly once, however the
 * generation ends (finished, failed, or aborted by a disconnecting client).
 */
export class Generation {
  private ended = false;
  private firstAt = 0;
  usage: Usage = { promptTokens: 0, completionTokens: 0 };

  private constructor(
    private readonly iterator: AsyncIterator<ChatEvent>,
    private first: IteratorResult<ChatEvent> | null,
    private readonly metrics: GatewayMetrics,
    private readonly model: string,
    startedAt: number,
    private readonly onEnd: (usage: Usage) => void,
  ) {
    this.firstAt = performance.now();
    metrics.activeSequences.inc({ model });
    metrics.timeToFirstToken.observe({ model }, (this.firstAt - startedAt) / 1000);
  }

  static async start(
    source: AsyncIterable<ChatEvent>,
    opts: { metrics: GatewayMetrics; model: string; startedAt: number; onEnd: (usage: Usage) => void },
  ): Promise<Generation> {
    const it = source[Symbol.asyncIterator]();
    const first = await it.next();
    return new Generation(it, first, opts.metrics, opts.model, opts.startedAt, opts.onEnd);
  }

  async *events(): AsyncGenerator<ChatEvent> {
    try {
      if (this.first && !this.first.done) {
        const ev = this.first.value;
        this.first = null;
        this.note(ev);
        yield ev;
      }
      for (;;) {
        const r = await this.iterator.next();
        if (r.done) break;
        this.note(r.value);
        yield r.value;
      }
    } finally {
      // A consumer that stops early (client gone) must stop the backend too.
      if (!this.ended) await this.iterator.return?.();
      this.end();
    }
  }

  /** Folds the whole stream into one result (non-streaming answers). */
  async collect(): Promise<GenerationResult> {
    let text = "";
    let reasoning = "";
    const toolCalls: ToolCall[] = [];
    let finishReason: FinishReason = "stop";
    const fold = (ev: ChatEvent) => {
      this.note(ev);
      if (ev.type === "text") text += ev.text;
      else if (ev.type === "reasoning") reasoning += ev.text;
      else if (ev.type === "tool_call") toolCalls.push(ev.call);
      else finishReason = ev.reason;
    };
    // Straight off the iterator, without the events() generator: one async layer less per token.
    try {
      if (this.first && !this.first.done) fold(this.first.value);
      this.first = null;
      for (;;) {
        const r = await this.iterator.next();
        if (r.done) break;
        fold(r.value);
      }
    } finally {
      if (!this.ended) await this.iterator.return?.();
      this.end();
    }
    return { text, reasoning, toolCalls, finishReason, usage: this.usage };
  }

  private note(ev: ChatEvent): void {
    if (ev.type === "finish") {
      this.usage = ev.usage;
      this.ended = true;
    }
  }

  private endedOnce = false;
  private end(): void {
    if (this.endedOnce) return;
    this.endedOnce = true;
    const m = this.model;
    this.metrics.activeSequences.dec({ model: m });
    const { promptTokens, completionTokens } = this.usage;
    if (promptTokens > 0) this.metrics.promptTokens.inc({ model: m }, promptTokens);
    if (completionTokens > 0) this.metrics.generatedTokens.inc({ model: m }, completionTokens);
    if (completionTokens > 1) {
      this.metrics.timePerOutputToken.observe(
        { model: m },
        (performance.now() - this.firstAt) / 1000 / (completionTokens - 1),
      );
    }
    this.onEnd(this.usage);
  }
}
