export { createAssistant, DEFAULT_ASSISTANT_CONFIG } from "./assistant.ts";
export { augmentExamples, type EdaOptions, edaVariants } from "./augment/index.ts";
export { detectLanguage } from "./context/language.ts";
export { applyProfileUpdates, extractName } from "./context/profile.ts";
export { contextWindow } from "./context/window.ts";
export { initialDialogueState } from "./dialogue/state.ts";
export { demoDomainDir, domainExamples, loadDomain } from "./domain/load.ts";
export * from "./domain/schema.ts";
export {
  expectedCalibrationError,
  HybridIntentClassifier,
  type HybridIntentOptions,
  type HybridPrediction,
  IntentClassifier,
  type IntentExample,
  type RankedIntent,
  type TrainIntentOptions,
  trainIntentClassifier,
} from "./intents/index.ts";
export { asksForHuman } from "./replies/handoff.ts";
export { extractiveAnswer } from "./replies/kb-extractive.ts";
export { analyzeSentiment, type Sentiment, type SentimentTrend, sentimentTrend } from "./sentiment/index.ts";
export { extractSlots } from "./slots/extract.ts";
export { type FormOutcome, type FormResult, runForm } from "./slots/form.ts";
export { formatSlotValue } from "./slots/format.ts";
export { extractSlotsWithLlm, slotJsonSchema } from "./slots/llm-extract.ts";
export * from "./types.ts";
