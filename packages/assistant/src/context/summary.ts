import type { Backend } from "@seekdesk/core";
import type { Language, Turn } from "../types.ts";

function transcript(turns: Turn[]): string {
  return turns.map((t) => `${t.role}: ${t.text}`).join("\n");
}

/**
 * Folds turns that left the window into the running summary with the LLM. Returns the old
 * summary when the model fails: a missing summary must not break a turn.
 */
export async function summarizeTurns(opts: {
  backend: Backend;
  model: string;
  previous: string | null;
  turns: Turn[];
  language: Language;
  signal?: AbortSignal;
}): Promise<string | null> {
  if (opts.turns.length === 0) return opts.previous;
  const instruction =
    opts.language === "zh"
      ? "用不超过 80 个字概括客服对话的要点（用户是谁、想办什么、已提供的信息、结果），只输出概要。"
      : "Summarise the key points of this customer-service conversation in at most 60 words (who the user is, what they want, details given, outcome). Output only the summary.";
  const content = `${opts.previous ? `${opts.language === "zh" ? "已有概要" : "Summary so far"}: ${opts.previous}\n\n` : ""}${transcript(opts.turns)}`;
  let text = "";
  try {
    for await (const ev of opts.backend.chat(
      {
        model: opts.model,
        messages: [
          { role: "system", content: instruction },
          { role: "user", content },
        ],
        temperature: 0,
        maxTokens: 200,
      },
      opts.signal ?? new AbortController().signal,
    )) {
      if (ev.type === "text") text += ev.text;
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return opts.previous;
  }
  const clean = text.replace(/<think>[\s\S]*?(<\/think>|$)/g, "").trim();
  return clean || opts.previous;
}
