import { describe, expect, it } from "vitest";
import { trainIntentClassifier } from "../intents/index.ts";
import { demoDomainDir, loadDomain } from "./load.ts";

describe("the demo domain's intents classify held-out examples", () => {
  // Every 5th example per intent and language is held out: a few-shot setting (about 11 training
  // examples per intent and language). The number is recorded in docs/EVAL.md; the bound guards
  // against regressions in the data or the classifier, it is not a quality target.
  it("reaches at least 60% top-1 accuracy with every 5th example held out", () => {
    const domain = loadDomain(demoDomainDir);
    const train: { text: string; intent: string }[] = [];
    const test: { text: string; intent: string }[] = [];
    for (const intent of domain.intents) {
      for (const lang of ["zh", "en"] as const) {
        const ex = intent.examples[lang];
        ex.forEach((text, i) => {
          (i % 5 === 4 ? test : train).push({ text, intent: intent.name });
        });
      }
    }
    const classifier = trainIntentClassifier(train, { seed: 3 });
    const correct = test.filter((e) => classifier.classify(e.text).ranked[0]?.intent === e.intent).length;
    const accuracy = correct / test.length;
    console.log(`demo domain held-out accuracy: ${(accuracy * 100).toFixed(1)}% of ${test.length}`);
    expect(test.length).toBeGreaterThanOrEqual(domain.intents.length * 4);
    expect(accuracy).toBeGreaterThanOrEqual(0.6);
  });
});
