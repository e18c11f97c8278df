export { backgroundOosUtterances } from "./background.ts";
export { expectedCalibrationError, fitTemperature, softmax, topInScope } from "./calibration.ts";
export {
  IntentClassifier,
  type IntentExample,
  type IntentPrediction,
  type RankedIntent,
  type TrainIntentOptions,
  type TrainingReport,
  trainIntentClassifier,
} from "./classifier.ts";
export { extractFeatures } from "./features.ts";
export {
  HybridIntentClassifier,
  type HybridIntentOptions,
  type HybridPrediction,
  parseIntentAnswer,
} from "./hybrid.ts";
