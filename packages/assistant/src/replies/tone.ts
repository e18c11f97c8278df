import type { Language, ReplyTone } from "../types.ts";

const PREFIX: Record<Exclude<ReplyTone, "neutral">, Record<Language, string>> = {
  empathetic: {
    zh: "非常理解您的心情，我来帮您处理。",
    en: "I understand how frustrating this is, let me help. ",
  },
  apologetic: {
    zh: "非常抱歉给您带来了不好的体验。",
    en: "I am really sorry for the trouble this has caused. ",
  },
};

/**
 * The tone for a reply: an apology when the customer is clearly upset, empathy when the mood
 * is negative, or sinking and this message reads negative; neutral otherwise. A sinking trend
 * alone is not enough: "I understand how frustrating this is" in answer to a plain "how long
 * does a refund take" (a hair below zero after a cheerful start) reads as a canned script.
 */
export function chooseTone(
  score: number,
  label: "positive" | "neutral" | "negative",
  trend: "improving" | "stable" | "worsening",
  empathyThreshold: number,
): ReplyTone {
  if (score <= Math.min(-0.5, empathyThreshold * 2)) return "apologetic";
  if (score <= empathyThreshold || (trend === "worsening" && label === "negative")) return "empathetic";
  return "neutral";
}

export function tonePrefix(tone: ReplyTone, language: Language): string {
  return tone === "neutral" ? "" : PREFIX[tone][language];
}
