import type { Backend, SearchHit } from "@seekdesk/core";
import type { Reranker } from "../kb.ts";
import { RerankUnusableError } from "./guard.ts";

/**
 * What the reranker needs from the model layer: the engine's router (which serves local llama
 * GGUFs and remote OpenAI-compatible backends alike, with its queues and failover) or any one
 * Backend. Calling the router in-process, never the gateway's own HTTP API, keeps reranking off
 * the API keys, rate limits and request logs meant for clients.
 */
export type ChatModel = Pick<Backend, "chat">;

export interface LlmRerankerOptions {
  chat: ChatModel;
  /** A model id (or alias) the router serves. */
  model: string;
  /** How many of the first-stage hits the model sees; the rest follow in their first-stage order. Default 20. */
  candidates?: number;
  /** Characters of each passage put in the prompt. Default 400. */
  passageChars?: number;
  /** Room for the answer, including any reasoning a thinking model writes first. Default 512. */
  maxTokens?: number;
}

/**
 * Listwise reranking by a chat model (the RankGPT prompt shape: Sun et al., "Is ChatGPT Good at
 * Search?", EMNLP 2023): one request shows the question and numbered passages and asks for the
 * numbers, best first. One call per search instead of one per hit, and no log-probabilities
 * needed, which not every server returns. An answer that is not a ranking throws
 * RerankUnusableError; the knowledge base then keeps the first-stage order (see guard.ts).
 */
export class LlmReranker implements Reranker {
  readonly name: string;
  readonly candidates: number;

  constructor(private readonly opts: LlmRerankerOptions) {
    this.name = `llm:${opts.model}`;
    this.candidates = opts.candidates ?? 20;
  }

  async rerank(query: string, hits: SearchHit[], signal?: AbortSignal): Promise<SearchHit[]> {
    const shown = hits.slice(0, this.candidates);
    if (shown.length < 2) return hits;
    const answer = await this.complete(
      rerankPrompt(query, shown, this.opts.passageChars ?? 400),
      signal ?? new AbortController().signal,
    );
    const order = parseRanking(answer, shown.length);
    // The answer itself stays out of the message: it lands in logs, which carry no completion
    // text unless configured.
    if (order.length === 0)
      throw new RerankUnusableError(
        `model ${this.opts.model} gave no ranking in its ${answer.length}-character answer`,
      );
    const picked = new Set(order);
    return [
      ...order.map((i) => shown[i] as SearchHit),
      ...shown.filter((_, i) => !picked.has(i)),
      ...hits.slice(shown.length),
    ];
  }

  /** The visible answer text; reasoning the backend reports apart (`reasoning` events) is dropped. */
  private async complete(messages: { role: "system" | "user"; content: string }[], signal: AbortSignal) {
    let text = "";
    const events = this.opts.chat.chat(
      { model: this.opts.model, messages, temperature: 0, maxTokens: this.opts.maxTokens ?? 512 },
      signal,
    );
    for await (const ev of events) if (ev.type === "text") text += ev.text;
    return text;
  }
}

export function rerankPrompt(
  query: string,
  hits: readonly SearchHit[],
  passageChars: number,
): { role: "system" | "user"; content: string }[] {
  const passages = hits
    .map((h, i) => `[${i + 1}] ${h.text.replace(/\s+/g, " ").trim().slice(0, passageChars)}`)
    .join("\n");
  return [
    {
      role: "system",
      content:
        "You rank knowledge-base passages by how well they answer a customer's question. " +
        "Reply with passage numbers only, most useful first, separated by commas.",
    },
    {
      role: "user",
      content: `Question: ${query}\n\nPassages:\n${passages}\n\nRank the passages that help answer the question, e.g. 3, 1, 2. Leave out those that do not help.`,
    },
  ];
}

// A line that is a ranking: numbers (bare or in brackets) joined by commas, `>` or spaces, after
// an optional label such as "Ranking:". Anything else on the line disqualifies it, so free text
// that merely mentions a number (or a random model's noise) is not read as an order.
const RANKING_LINE =
  /^(?:[^\d:：\n]{0,40}[:：])?\s*(\[?\d{1,3}\]?(?:\s*(?:[,，、>]|\s)\s*\[?\d{1,3}\]?)*)[\s.。]*$/;

/**
 * Zero-based passage indexes in the order the model named them, read from the last line of the
 * answer that is a ranking. Reasoning in `<think>` blocks (DeepSeek-R1 and its distillations) is
 * skipped, including one cut off by max_tokens; numbers out of range and repeats are ignored.
 * No ranking line yields [], which the caller treats as an unusable answer.
 */
export function parseRanking(answer: string, n: number): number[] {
  const text = answer.replace(/<think>[\s\S]*?(<\/think>|$)/g, "").replace(/^[\s\S]*<\/think>/, "");
  const lines = text.split("\n").map((l) => l.replace(/[*`]/g, "").trim());
  for (const line of lines.reverse()) {
    const m = RANKING_LINE.exec(line);
    if (!m?.[1]) continue;
    const out: number[] = [];
    for (const d of m[1].matchAll(/\d+/g)) {
      const i = Number(d[0]) - 1;
      if (i >= 0 && i < n && !out.includes(i)) out.push(i);
    }
    if (out.length > 0) return out;
  }
  return [];
}
