import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { quantizeRows } from "./codec.ts";

/**
 * The k-quants search for the best scale per sub-block (make_qkx2_quants, make_qx_quants), which
 * costs ~100x more per value than Q8_0; a pool of worker threads spreads rows over the cores.
 * Results are byte-identical to quantizeRows: blocks are independent and each is encoded by the
 * same code. Chunks are copied to the workers, so memory grows by the chunks in flight only.
 */
const SLOW_TYPES = new Set<GgmlType>([GgmlType.Q4_K, GgmlType.Q6_K]);
const CHUNK_VALUES = 1 << 18;
const MIN_PARALLEL_VALUES = 1 << 20;

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (err: Error) => void;
}

class QuantizePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    // The sources are TypeScript run through tsx: a tiny ESM bootstrap registers tsx's loader in
    // the worker thread, then imports the worker module.
    // require.resolve finds the CommonJS build of tsx/esm/api; its ESM twin sits beside it.
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve("tsx/esm/api")
        .replace(/\.cjs$/, ".mjs"),
    ).href;
    const workerModule = new URL("./quantize-worker.ts", import.meta.url).href;
    const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(workerModule)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
    worker.on("message", (msg: { id: number; bytes?: Uint8Array; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      this.release(worker);
      if (!p) return;
      if (msg.bytes) p.resolve(msg.bytes);
      else p.reject(new Error(msg.error ?? "quantize worker failed"));
    });
    worker.on("error", (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    this.all.push(worker);
    return worker;
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.length < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else {
      this.idle.push(worker);
      // An idle pool must not keep the process alive.
      if (this.idle.length === this.all.length) for (const w of this.all) w.unref();
    }
  }

  async run(type: GgmlType, data: Float32Array, rowLength: number): Promise<Uint8Array> {
    const worker = await this.acquire();
    worker.ref();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, rowLength, data });
    });
  }
}

let pool: QuantizePool | undefined;

export function defaultQuantizeThreads(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

/** quantizeRows spread over worker threads for the slow k-quants on large tensors; same bytes. */
export async function quantizeRowsParallel(
  type: GgmlType,
  data: Float32Array,
  rowLength: number,
  threads = defaultQuantizeThreads(),
): Promise<Uint8Array> {
  if (
    threads <= 1 ||
    !SLOW_TYPES.has(type) ||
    data.length < MIN_PARALLEL_VALUES ||
    data.length % rowLength !== 0
  ) {
    return quantizeRows(type, data, rowLength);
  }
  const { blockSize, typeSize } = ggmlTypeInfo(type);
  if (rowLength % blockSize !== 0) return quantizeRows(type, data, rowLength);
  pool ??= new QuantizePool(threads);
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / rowLength));
  const bytesPerRow = (rowLength / blockSize) * typeSize;
  const rows = data.length / rowLength;
  const out = new Uint8Array(rows * bytesPerRow);
  const jobs: Promise<void>[] = [];
  for (let r = 0; r < rows; r += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, rows - r);
    const chunk = data.slice(r * rowLength, (r + n) * rowLength);
    jobs.push(pool.run(type, chunk, rowLength).then((bytes) => out.set(bytes, r * bytesPerRow)));
  }
  await Promise.all(jobs);
  return out;
}
