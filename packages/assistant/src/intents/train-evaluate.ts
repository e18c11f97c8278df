import { type IntentClassifier, type IntentExample, trainIntentClassifier } from "./classifier.ts";
import { confusionMatrix, evaluateIntents } from "./evaluate.ts";
import { stratifiedSplit } from "./split.ts";

export interface TrainEvaluateOptions {
  /** Share of each intent's examples held out for the evaluation. Default 0.2. */
  heldOutFraction?: number;
  /** Seed of the split and of training, so the same examples give the same report. Default 1. */
  seed?: number;
  /** Train with the shipped background utterances as out of scope (the domain's `backgroundOos`). */
  backgroundOos?: boolean;
}

/** What the console's intents page shows after "Train and evaluate" (snake_case: an API shape). */
export interface IntentTrainingReport {
  /** "holdout": trained on the rest, scored on a stratified held-out share of each intent. */
  method: "holdout";
  held_out_fraction: number;
  examples: number;
  held_out: number;
  /** Held-out utterances whose predicted intent is the gold one (a rejection counts as wrong). */
  accuracy: number;
  macro_f1: number;
  /** Row and column labels of `confusion`. */
  labels: string[];
  /** confusion[gold][predicted] over the held-out utterances. */
  confusion: number[][];
  /** Training the served model on every example. */
  train_ms: number;
  /** Training the evaluation model and scoring it. */
  evaluate_ms: number;
}

/**
 * Measures, then trains: a model trained on ~80% of each intent's examples is scored on the held-out
 * rest (a stratified split; an intent with one example stays on the training side), and the model
 * returned is then trained on every example, so no example is wasted on the served model.
 */
export function trainAndEvaluate(
  examples: IntentExample[],
  opts: TrainEvaluateOptions = {},
): { classifier: IntentClassifier; report: IntentTrainingReport } {
  const fraction = opts.heldOutFraction ?? 0.2;
  const seed = opts.seed ?? 1;
  const started = performance.now();
  const { train, heldOut } = stratifiedSplit(examples, (e) => e.intent, fraction, seed);
  const backgroundOos = opts.backgroundOos ?? false;
  const probe = trainIntentClassifier(train, { seed, backgroundOos });
  const evaluation = evaluateIntents(probe, heldOut);
  const { labels, confusion } = confusionMatrix(probe, heldOut);
  const evaluated = performance.now();
  const classifier = trainIntentClassifier(examples, { seed, backgroundOos });
  return {
    classifier,
    report: {
      method: "holdout",
      held_out_fraction: fraction,
      examples: examples.length,
      held_out: heldOut.length,
      accuracy: evaluation.accuracy,
      macro_f1: evaluation.macro_f1,
      labels,
      confusion,
      train_ms: Math.round(performance.now() - evaluated),
      evaluate_ms: Math.round(evaluated - started),
    },
  };
}
