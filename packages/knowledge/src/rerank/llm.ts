import { type SearchHit, UpstreamError } from "@seekdesk/core";
import type { Reranker } from "../kb.ts";
import { postOpenAICompatible } from "../openai-compatible.ts";

export interface LlmRerankerOptions {
  /** Base URL up to and including `/v1`, e.g. the seekdesk gateway `http://127.0.0.1:8080/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** How many of the first-stage hits the model sees; the rest follow in their first-stage order. Default 20. */
  window?: number;
  /** Characters of each passage put in the prompt. Default 400. */
  passageChars?: number;
  /** Room for the answer, including any reasoning a thinking model writes first. Default 512. */
  maxTokens?: number;
}

/**
 * Listwise reranking by any OpenAI-compatible chat model (the RankGPT prompt shape: Sun et al.,
 * "Is ChatGPT Good at Search?", EMNLP 2023): one request shows the question and numbered
 * passages and asks for the numbers, best first. One call per search instead of one per hit,
 * and no log-probabilities needed, which not every server returns. Off unless configured.
 */
export class LlmReranker implements Reranker {
  constructor(private readonly opts: LlmRerankerOptions) {}

  async rerank(query: string, hits: SearchHit[], signal?: AbortSignal): Promise<SearchHit[]> {
    const shown = hits.slice(0, this.opts.window ?? 20);
    if (shown.length < 2) return hits;
    const answer = await this.complete(rerankPrompt(query, shown, this.opts.passageChars ?? 400), signal);
    const order = parseRanking(answer, shown.length);
    const picked = new Set(order);
    return [
      ...order.map((i) => shown[i] as SearchHit),
      ...shown.filter((_, i) => !picked.has(i)),
      ...hits.slice(shown.length),
    ];
  }

  private async complete(
    messages: { role: string; content: string }[],
    signal?: AbortSignal,
  ): Promise<string> {
    const json = (await postOpenAICompatible(
      this.opts,
      "/chat/completions",
      {
        model: this.opts.model,
        messages,
        temperature: 0,
        max_tokens: this.opts.maxTokens ?? 512,
        stream: false,
      },
      "rerank",
      signal,
    )) as { choices?: { message?: { content?: string | null } }[] };
    const content = json.choices?.[0]?.message?.content;
    if (typeof content !== "string")
      throw new UpstreamError(`rerank response from ${this.opts.baseUrl} has no message content`);
    return content;
  }
}

export function rerankPrompt(
  query: string,
  hits: readonly SearchHit[],
  passageChars: number,
): { role: string; content: string }[] {
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

/**
 * Zero-based passage indexes in the order the model named them. Reasoning in `<think>` blocks
 * (DeepSeek-R1 and its distillations) is skipped; numbers out of range and repeats are ignored.
 * An answer with no usable number yields [], which keeps the first-stage order: a model that
 * does not follow the format costs reranking, not the search.
 */
export function parseRanking(answer: string, n: number): number[] {
  const text = answer.replace(/<think>[\s\S]*?(<\/think>|$)/g, "");
  const out: number[] = [];
  for (const m of text.matchAll(/\d+/g)) {
    const i = Number(m[0]) - 1;
    if (i >= 0 && i < n && !out.includes(i)) out.push(i);
  }
  return out;
}
