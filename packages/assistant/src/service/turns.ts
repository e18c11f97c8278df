import type { Citation } from "@seekdesk/core";
import type { StoredMessage } from "@seekdesk/store";
import type { Language, Turn } from "../types.ts";

/** Stored messages as the assistant's history: system notices are not part of the dialogue. */
export function toTurns(messages: readonly StoredMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === "system") continue;
    const md = m.metadata;
    turns.push({
      role: m.role,
      text: m.text,
      at: m.createdAt,
      ...(md.intent !== undefined ? { intent: md.intent } : {}),
      ...(typeof md.confidence === "number" ? { confidence: md.confidence } : {}),
      ...(md.sentiment && typeof md.sentiment.score === "number" ? { sentiment: md.sentiment.score } : {}),
      ...(Array.isArray(md.citations) ? { citations: md.citations as Citation[] } : {}),
    });
  }
  return turns;
}

const HAN = /[\u3400-\u9fff]/;

/** The language a new conversation starts in, before the assistant knows better. */
export function guessLanguage(text: string, preferred?: Language): Language {
  if (preferred) return preferred;
  return HAN.test(text) ? "zh" : "en";
}
