import { describe, expect, it } from "vitest";
import { evaluateIntents } from "./evaluate.ts";
import { stratifiedSplit } from "./split.ts";
import { shopExamples } from "./testing-data.ts";
import { trainAndEvaluate } from "./train-evaluate.ts";
import { trainAndEvaluateInWorker } from "./train-in-worker.ts";

const examples = shopExamples();
const probes = ["where is my parcel", "我要退款", "reset my password", "今天天气怎么样"];

describe("train and evaluate", () => {
  it("scores a held-out split with a full confusion matrix and serves a model trained on everything", () => {
    const { classifier, report } = trainAndEvaluate(examples, { seed: 3 });
    const { heldOut } = stratifiedSplit(examples, (e) => e.intent, 0.2, 3);
    expect(report).toMatchObject({ method: "holdout", examples: examples.length, held_out: heldOut.length });
    expect(report.labels.slice(0, classifier.intents.length)).toEqual([...classifier.intents].sort());
    expect(report.confusion).toHaveLength(report.labels.length);
    for (const row of report.confusion) expect(row).toHaveLength(report.labels.length);
    // Every held-out utterance is counted once, under its gold row.
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(heldOut.length);
    for (const [i, label] of report.labels.entries()) {
      const gold = heldOut.filter((e) => e.intent === label).length;
      expect(report.confusion[i]?.reduce((a, b) => a + b, 0)).toBe(gold);
    }
    // Accuracy is the diagonal share (a rejection, the oos column, counts as wrong).
    const diagonal = report.labels.reduce((n, _, i) => n + (report.confusion[i]?.[i] ?? 0), 0);
    expect(report.accuracy).toBeCloseTo(diagonal / heldOut.length);
    expect(report.accuracy).toBeGreaterThan(0.6);
    expect(report.macro_f1).toBeGreaterThan(0.5);
    // The served model saw the held-out utterances too.
    const served = evaluateIntents(classifier, heldOut);
    expect(served.accuracy).toBeGreaterThanOrEqual(report.accuracy);
  });

  it("trains in a worker thread to the same model, and stops when aborted", async () => {
    const here = trainAndEvaluate(examples, { seed: 5 });
    const there = await trainAndEvaluateInWorker(examples, { seed: 5 });
    expect(there.report.confusion).toEqual(here.report.confusion);
    for (const text of probes)
      expect(there.classifier.classify(text)).toEqual(here.classifier.classify(text));

    const abort = new AbortController();
    const training = trainAndEvaluateInWorker(examples, {}, abort.signal);
    abort.abort(new Error("the admin left"));
    await expect(training).rejects.toThrow("the admin left");
  });

  it("trains the background out-of-scope class when the domain asks for it, in the worker too", async () => {
    // The console's "Train and evaluate" must serve a demo model like the one it started with.
    const plain = await trainAndEvaluateInWorker(examples, { seed: 5 });
    const withBackground = await trainAndEvaluateInWorker(examples, { seed: 5, backgroundOos: true });
    expect(plain.classifier.labels).not.toContain("oos");
    expect(withBackground.classifier.labels).toContain("oos");
    expect(withBackground.classifier.classify("what's the weather like today").oos).toBe(true);
    expect(withBackground.classifier.classify("where is my parcel").intent).toBe("track_order");
  });
});
