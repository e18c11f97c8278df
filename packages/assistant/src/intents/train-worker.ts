import { parentPort } from "node:worker_threads";
import type { IntentExample } from "./classifier.ts";
import { type TrainEvaluateOptions, trainAndEvaluate } from "./train-evaluate.ts";

/** Worker side of trainAndEvaluateInWorker: one job, answered with the report and the model as JSON. */
parentPort?.once("message", (job: { examples: IntentExample[]; opts: TrainEvaluateOptions }) => {
  try {
    const { classifier, report } = trainAndEvaluate(job.examples, job.opts);
    parentPort?.postMessage({ report, classifier: classifier.toJSON() });
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message });
  }
});
