import type { IntentClassifier } from "../intents/classifier.ts";
import { lexiconSentiment, type Sentiment, sentimentFromScore } from "./analyze.ts";
import { learnedScore, sentimentTrainingData, trainSentimentModel } from "./learned.ts";

/**
 * The lexicon decides whenever it finds sentiment words: it carries negation, intensity and
 * emphasis, which a few hundred examples cannot teach. Only when it finds none does the learned
 * model speak, at half weight, for complaints without sentiment words ("收到的屏幕是碎的").
 * A weighted average did worse on held-out data (docs/EVAL.md).
 */
const LEXICON_SILENT = 0.05;
const LEARNED_WEIGHT = 0.5;

let model: IntentClassifier | undefined;

/** Trained once per process on the shipped data (a few hundred utterances, well under a second). */
function sharedModel(): IntentClassifier {
  model ??= trainSentimentModel(sentimentTrainingData());
  return model;
}

export function blendSentiment(text: string, learned?: IntentClassifier): Sentiment {
  const lex = lexiconSentiment(text);
  if (!learned) return sentimentFromScore(lex);
  if (Math.abs(lex) >= LEXICON_SILENT) return sentimentFromScore(lex);
  return sentimentFromScore(LEARNED_WEIGHT * learnedScore(learned, text));
}

/** Sentiment of one customer turn, Chinese or English: a score in -1..1, a label and a strength. */
export function analyzeSentiment(text: string): Sentiment {
  return blendSentiment(text, sharedModel());
}
