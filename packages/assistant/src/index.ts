export { initialDialogueState } from "./dialogue/state.ts";
export { demoDomainDir, domainExamples, loadDomain } from "./domain/load.ts";
export * from "./domain/schema.ts";
export {
  expectedCalibrationError,
  IntentClassifier,
  type IntentExample,
  type RankedIntent,
  type TrainIntentOptions,
  trainIntentClassifier,
} from "./intents/index.ts";
export { analyzeSentiment, type Sentiment, type SentimentTrend, sentimentTrend } from "./sentiment/index.ts";
export * from "./types.ts";
