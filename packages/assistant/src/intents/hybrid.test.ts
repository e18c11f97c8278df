import type { LlamaBackend } from "@seekdesk/engine";
import { startQwen2FixtureBackend } from "@seekdesk/engine/testing/fixture-llama.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainIntentClassifier } from "./classifier.ts";
import { HybridIntentClassifier, parseIntentAnswer } from "./hybrid.ts";
import { shopExamples } from "./testing-data.ts";

/**
 * Real llama.cpp on the qwen2 fixture GGUF. Its weights are random, so the tests assert what
 * the grammar guarantees (the answer is one of the intents or oos) and never which one.
 */
let backend: LlamaBackend;
const examples = shopExamples(false);
const classifier = trainIntentClassifier(examples, { seed: 5 });

beforeAll(async () => {
  backend = await startQwen2FixtureBackend();
});
afterAll(() => backend?.close());

describe("HybridIntentClassifier on a real llama.cpp backend", () => {
  it("asks the LLM on low-confidence turns and gets an intent from the JSON schema's enum", async () => {
    // A threshold above 1 sends every turn to the LLM.
    const hybrid = new HybridIntentClassifier(classifier, {
      backend,
      threshold: 1.01,
      examples,
      maxTokens: 64,
    });
    expect((hybrid.schema().properties as { intent: { enum: string[] } }).intent.enum).toEqual([
      ...classifier.intents,
      "oos",
    ]);
    for (const text of ["我的快递呢", "something about my account"]) {
      const p = await hybrid.classify(text);
      expect(p.llmError).toBeUndefined();
      expect(p.source).toBe("llm");
      if (p.oos) expect(p.intent).toBeNull();
      else expect(classifier.intents).toContain(p.intent);
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.ranked).toHaveLength(5);
    }
  });

  it("keeps confident turns on the classifier without calling the LLM", async () => {
    const hybrid = new HybridIntentClassifier(classifier, { backend, threshold: 0 });
    const p = await hybrid.classify("where is my order");
    expect(p.source).toBe("classifier");
    expect(p.intent).toBe("track_order");
  });

  it("falls back to the classifier when the LLM's answer is unusable", async () => {
    // Two tokens cannot hold {"intent": ...}: the answer is cut off and fails to parse.
    const hybrid = new HybridIntentClassifier(classifier, { backend, threshold: 1.01, maxTokens: 2 });
    const p = await hybrid.classify("我要退款");
    expect(p.source).toBe("classifier");
    expect(p.llmError).toBeTruthy();
    expect(p.ranked[0].intent).toBe("refund");
  });
});

describe("parseIntentAnswer", () => {
  const allowed = new Set(["refund", "oos"]);
  it("reads the intent past a <think> block and rejects anything outside the list", () => {
    expect(parseIntentAnswer('<think>maybe {"intent":"x"}</think>{"intent": "refund"}', allowed)).toBe(
      "refund",
    );
    expect(() => parseIntentAnswer('{"intent":"weather"}', allowed)).toThrow(/unknown intent/);
    expect(() => parseIntentAnswer("refund", allowed)).toThrow(/no JSON/);
    expect(() => parseIntentAnswer("{intent: refund}", allowed)).toThrow(/invalid JSON/);
  });
});
