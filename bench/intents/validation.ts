import type { IntentExample } from "../../packages/assistant/src/intents/classifier.ts";
import type { IntentDataset } from "../../packages/assistant/src/intents/datasets.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";

/**
 * Training examples and the validation data settings are chosen on (never the test split): the
 * set's published validation split, or for sets without one a stratified 10 % of train (seed 11).
 */
export function trainAndValidation(ds: IntentDataset): { train: IntentExample[]; val: IntentExample[] } {
  if (ds.heldOut) return { train: ds.train, val: ds.heldOut };
  const split = stratifiedSplit(ds.train, (e) => e.intent, 0.1, 11);
  return { train: split.train, val: split.heldOut };
}
