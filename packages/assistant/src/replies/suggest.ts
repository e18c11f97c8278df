import type { Backend, Citation, Retriever } from "@seekdesk/core";
import { detectLanguage } from "../context/language.ts";
import type { Language, Turn } from "../types.ts";
import { extractiveAnswer } from "./kb-extractive.ts";
import { groundedPrompt, streamGroundedAnswer } from "./kb-generative.ts";

/** A reply an agent may send as it is or edit first. */
export interface ReplySuggestion {
  text: string;
  /** `kb`: drawn from the knowledge base; `llm`: drafted by the model from the same sources. */
  source: "kb" | "llm";
  citations: Citation[];
}

export interface SuggestOptions {
  shopName: string;
  retriever: Retriever | null;
  llm?: { backend: Backend; model: string };
  /** The conversation so far, oldest first. */
  transcript: readonly Pick<Turn, "role" | "text">[];
  language?: Language;
  k?: number;
  /** Turns of history the model sees. */
  window?: number;
  signal?: AbortSignal;
}

const SNIPPET_CHARS = 280;

/**
 * Suggested replies for the agent who took over a conversation: an extractive answer to the
 * customer's last question and the best passages behind it, with their sources, and, when a
 * model is attached, a draft written from the same passages. A failing model costs only its
 * draft: the knowledge-base suggestions still come back.
 */
export async function suggestReplies(opts: SuggestOptions): Promise<ReplySuggestion[]> {
  const lastUser = [...opts.transcript].reverse().find((t) => t.role === "user");
  if (!lastUser || !opts.retriever) return [];
  const question = lastUser.text;
  const language = opts.language ?? detectLanguage(question, "zh");
  const hits = await opts.retriever.search(question, { k: opts.k ?? 4, signal: opts.signal });
  const out: ReplySuggestion[] = [];
  const answer = extractiveAnswer(question, hits, language);
  if (answer) out.push({ text: answer.text, source: "kb", citations: answer.citations });
  for (const h of hits.slice(0, 2)) {
    const text = h.text.trim().slice(0, SNIPPET_CHARS);
    if (!out.some((s) => s.text === text)) out.push({ text, source: "kb", citations: [h.citation] });
  }
  if (opts.llm && hits.length > 0) {
    const used = hits.slice(0, 4);
    const messages = groundedPrompt({
      shopName: opts.shopName,
      question,
      hits: used,
      window: opts.transcript
        .slice(0, -1)
        .slice(-(opts.window ?? 8))
        .map((t) => ({ role: t.role, text: t.text, at: "" })),
      summary: null,
      facts: {},
      language,
    });
    messages[0] = {
      ...messages[0],
      content: `${messages[0].content}\nYou are drafting the next reply for a human agent, who will review it before sending.`,
    };
    try {
      const { stream, final } = streamGroundedAnswer({
        ...opts.llm,
        messages,
        prefix: "",
        signal: opts.signal,
      });
      for await (const _ of stream) {
        // drained for `final`
      }
      const text = (await final).trim();
      if (text) out.push({ text, source: "llm", citations: used.map((h) => h.citation) });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
    }
  }
  return out;
}
