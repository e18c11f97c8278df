export {
  labelFor,
  lexiconSentiment,
  NEUTRAL_BAND,
  type Sentiment,
  type SentimentLabel,
  sentimentFromScore,
} from "./analyze.ts";
export { analyzeSentiment } from "./sentiment.ts";
export { type SentimentTrend, sentimentTrend } from "./trend.ts";
