import type { DialogueState, Language } from "../types.ts";

/** The state of a conversation before its first turn. */
export function initialDialogueState(language: Language = "zh"): DialogueState {
  return {
    version: 1,
    activeIntent: null,
    formStatus: "idle",
    requestedSlot: null,
    slots: {},
    pendingConfirmation: null,
    pendingIntent: null,
    lowConfidenceTurns: 0,
    oosTurns: 0,
    facts: {},
    summary: null,
    language,
    turnCount: 0,
    sentimentScores: [],
    summarizedTurns: 0,
  };
}
