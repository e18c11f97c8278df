import { parentPort } from "node:worker_threads";
import { quantizeRows } from "./codec.ts";

/** Worker side of quantizeRowsParallel: encodes one chunk of rows and hands the bytes back. */
interface Job {
  id: number;
  type: number;
  rowLength: number;
  data: Float32Array;
}

parentPort?.on("message", (job: Job) => {
  try {
    const bytes = quantizeRows(job.type, job.data, job.rowLength);
    parentPort?.postMessage({ id: job.id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message });
  }
});
