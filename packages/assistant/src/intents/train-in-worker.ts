import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { IntentClassifier, type IntentExample } from "./classifier.ts";
import type { IntentTrainingReport, TrainEvaluateOptions } from "./train-evaluate.ts";

/**
 * trainAndEvaluate on a worker thread: training takes seconds of CPU, and on the main thread it
 * would stall every conversation the server is answering meanwhile. The model comes back as its
 * JSON form, which predicts exactly as the trained one (training already rounds to the saved int8
 * weights). Aborting `signal` stops the worker.
 */
export function trainAndEvaluateInWorker(
  examples: IntentExample[],
  opts: TrainEvaluateOptions = {},
  signal?: AbortSignal,
): Promise<{ classifier: IntentClassifier; report: IntentTrainingReport }> {
  signal?.throwIfAborted();
  // The sources are TypeScript run through tsx: a tiny ESM bootstrap registers tsx's loader in
  // the worker thread, then imports the worker module (as packages/models/src/quant/parallel.ts).
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const workerModule = new URL("./train-worker.ts", import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(workerModule)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      void worker.terminate();
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
    };
    worker.once("message", (msg: { report?: IntentTrainingReport; classifier?: unknown; error?: string }) => {
      done();
      if (msg.error !== undefined || !msg.report) reject(new Error(msg.error ?? "intent training failed"));
      else resolve({ classifier: IntentClassifier.fromJSON(msg.classifier), report: msg.report });
    });
    worker.once("error", (err) => {
      done();
      reject(err);
    });
    worker.once("exit", (code) => {
      signal?.removeEventListener("abort", onAbort);
      reject(new Error(`intent training worker exited with code ${code}`));
    });
    worker.postMessage({ examples, opts });
  });
}
