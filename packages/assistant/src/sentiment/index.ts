export {
  labelFor,
  lexiconSentiment,
  NEUTRAL_BAND,
  type Sentiment,
  type SentimentLabel,
  sentimentFromScore,
} from "./analyze.ts";
export {
  type LabelledUtterance,
  learnedScore,
  sentimentTrainingData,
  trainSentimentModel,
} from "./learned.ts";
export { analyzeSentiment, blendSentiment } from "./sentiment.ts";
export { type SentimentTrend, sentimentTrend } from "./trend.ts";
