import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type IntentClassifier, trainIntentClassifier } from "../intents/classifier.ts";
import { parseIntentCsv } from "../intents/io.ts";
import type { SentimentLabel } from "./analyze.ts";

export interface LabelledUtterance {
  text: string;
  label: SentimentLabel;
}

const DATA = fileURLToPath(new URL("./data/utterances.csv", import.meta.url));

/** The customer-service utterances (zh + en) written and labelled for seekdesk. */
export function sentimentTrainingData(): LabelledUtterance[] {
  return parseIntentCsv(readFileSync(DATA, "utf8"), DATA).map((e) => {
    if (e.intent !== "negative" && e.intent !== "neutral" && e.intent !== "positive") {
      throw new Error(`${DATA}: unknown sentiment label ${e.intent}`);
    }
    return { text: e.text, label: e.intent };
  });
}

/** A TF-IDF linear model over negative/neutral/positive: it learns phrasings the lexicon lacks. */
export function trainSentimentModel(data: LabelledUtterance[], seed = 1): IntentClassifier {
  return trainIntentClassifier(
    data.map((d) => ({ text: d.text, intent: d.label })),
    { seed, inScopeRejectRate: 0 },
  );
}

/** P(positive) − P(negative) from the learned model, in -1..1. */
export function learnedScore(model: IntentClassifier, text: string): number {
  const p = model.probabilities(text);
  const at = (label: string): number => {
    const i = model.labels.indexOf(label);
    return i < 0 ? 0 : p[i];
  };
  return at("positive") - at("negative");
}
