import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { trainIntentClassifier } from "../intents/index.ts";
import { demoDomainDir, domainExamples, loadDomain } from "./load.ts";

/** Case, spaces and punctuation do not make two examples different. */
const key = (text: string): string => text.toLowerCase().replace(/[\s\p{P}]/gu, "");

describe("the demo shop's intent examples", () => {
  const domain = loadDomain(demoDomainDir);
  const examples = domainExamples(domain);

  it("list each utterance once, under one intent", () => {
    const seen = new Map<string, string>();
    const repeated: string[] = [];
    for (const e of examples) {
      const k = key(e.text);
      const first = seen.get(k);
      if (first !== undefined) repeated.push(`${e.text} (${first} and ${e.intent})`);
      else seen.set(k, e.intent);
    }
    expect(repeated).toEqual([]);
  });

  it("share no utterance with the customer probes the benchmark scores them on", () => {
    // bench/intents/demo-probes.jsonl is a test set: copying a probe into the examples would
    // make the benchmark's number meaningless.
    const probes = readFileSync(
      new URL("../../../../bench/intents/demo-probes.jsonl", import.meta.url),
      "utf8",
    )
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => key((JSON.parse(l) as { text: string }).text));
    const taught = new Set(examples.map((e) => key(e.text)));
    expect(probes.length).toBeGreaterThan(200);
    expect(probes.filter((p) => taught.has(p))).toEqual([]);
  });

  it("route the questions the browser tests ask to the intents whose answers they check", () => {
    // e2e-desk and e2e-media expect a shipping-times answer, and the voice test's transcript of
    // "where is my order" to be recognised as tracking.
    const classifier = trainIntentClassifier(examples, { seed: 1 });
    expect(classifier.classify("How long does shipping take?").intent).toBe("delivery_time");
    expect(classifier.classify("where is my yard or").ranked[0]?.intent).toBe("track_order");
    expect(classifier.classify("where is my order").intent).toBe("track_order");
  });
});
