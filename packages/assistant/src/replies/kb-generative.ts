import type { Backend, ChatMessage, SearchHit } from "@seekdesk/core";
import { ThinkSplitter } from "@seekdesk/engine/reasoning/think-splitter.ts";
import type { Language, Turn } from "../types.ts";

export interface GroundedPromptInput {
  shopName: string;
  question: string;
  hits: SearchHit[];
  window: Turn[];
  summary: string | null;
  facts: Record<string, string>;
  language: Language;
  userName?: string;
}

/** The chat messages for a grounded answer: numbered sources, the window, then the question. */
export function groundedPrompt(input: GroundedPromptInput): ChatMessage[] {
  const sources = input.hits.map((h, i) => `[${i + 1}] ${h.citation.title}\n${h.text.trim()}`).join("\n\n");
  const languageName = input.language === "zh" ? "简体中文" : "English";
  const known = Object.entries(input.facts)
    .filter(([k]) => k !== "recent_intents")
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const system = [
    `You are the customer-service assistant of ${input.shopName}. Answer in ${languageName}.`,
    "Use only the numbered sources below. Cite the sources you use with their numbers, like [1].",
    "If the sources do not contain the answer, say so briefly and offer a human agent. Be concise and friendly.",
    input.userName ? `The customer's name is ${input.userName}.` : "",
    input.summary ? `Earlier in this conversation: ${input.summary}` : "",
    known ? `Known facts: ${known}` : "",
    `Sources:\n${sources}`,
  ]
    .filter(Boolean)
    .join("\n");
  const history: ChatMessage[] = input.window.map((t) => ({
    role: t.role === "user" ? "user" : "assistant",
    content: t.text,
  }));
  return [{ role: "system", content: system }, ...history, { role: "user", content: input.question }];
}

/**
 * Streams the visible answer: `reasoning` events and `<think>` blocks inside the text never
 * leave this function. `final` resolves to prefix + answer once the stream has been drained.
 */
export function streamGroundedAnswer(opts: {
  backend: Backend;
  model: string;
  messages: ChatMessage[];
  prefix: string;
  signal?: AbortSignal;
}): { stream: AsyncIterable<string>; final: Promise<string> } {
  let resolveFinal: (s: string) => void = () => {};
  let rejectFinal: (e: unknown) => void = () => {};
  const final = new Promise<string>((res, rej) => {
    resolveFinal = res;
    rejectFinal = rej;
  });
  // A consumer that never awaits `final` must not see an unhandled rejection.
  final.catch(() => {});
  async function* run(): AsyncGenerator<string> {
    let full = opts.prefix;
    const splitter = new ThinkSplitter();
    try {
      if (opts.prefix) yield opts.prefix;
      const events = opts.backend.chat(
        { model: opts.model, messages: opts.messages, temperature: 0.3, maxTokens: 512 },
        opts.signal ?? new AbortController().signal,
      );
      for await (const ev of events) {
        if (ev.type !== "text") continue;
        for (const piece of splitter.push(ev.text)) {
          if (piece.type !== "text" || !piece.text) continue;
          full += piece.text;
          yield piece.text;
        }
      }
      for (const piece of splitter.flush()) {
        if (piece.type === "text" && piece.text) {
          full += piece.text;
          yield piece.text;
        }
      }
      resolveFinal(full);
    } catch (err) {
      rejectFinal(err);
      throw err;
    }
  }
  return { stream: run(), final };
}
