import { lexiconSentiment, type Sentiment, sentimentFromScore } from "./analyze.ts";

/** Sentiment of one customer turn, Chinese or English: a score in -1..1, a label and a strength. */
export function analyzeSentiment(text: string): Sentiment {
  return sentimentFromScore(lexiconSentiment(text));
}
