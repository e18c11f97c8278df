import type { Turn } from "../types.ts";

/** The last `n` turns: what prompts and decisions see. Older turns live on only as facts or a summary. */
export function contextWindow(history: Turn[], n: number): Turn[] {
  return n <= 0 ? [] : history.slice(-n);
}

/** Turns that have left the window and are not yet folded into the summary. */
export function turnsToSummarize(history: Turn[], n: number, alreadySummarized: number): Turn[] {
  const leftWindow = Math.max(0, history.length - n);
  return history.slice(Math.min(alreadySummarized, leftWindow), leftWindow);
}
