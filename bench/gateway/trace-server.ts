// Imported first by the bench's server processes: when BENCH_TRACE names a file, records for each
// request carrying `x-bench-id` when it arrived and when its answer was written (CLOCK_MONOTONIC,
// shared with the load generator), the collector's pauses and the event loop's delay and
// utilisation per window (each SIGUSR2 closes one and opens the next); SIGTERM writes it all out.
// Off (nothing subscribed) otherwise.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";

const file = process.env.BENCH_TRACE;
if (file) {
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  // performance.now() → monotonic ms (gc entries carry performance timestamps).
  const perfToMono = now() - performance.now();
  // Marks go to off-heap chunks, so the tracer itself adds no growing arrays for the GC to copy.
  const chunks: Float64Array[] = [];
  let chunk = new Float64Array(3 << 14);
  let used = 0;
  const reqs = {
    push(id: number, mark: number, t: number) {
      if (used + 3 > chunk.length) {
        chunks.push(chunk);
        chunk = new Float64Array(3 << 14);
        used = 0;
      }
      chunk[used++] = id;
      chunk[used++] = mark;
      chunk[used++] = t;
    },
    all: () => [...chunks.flatMap((c) => Array.from(c)), ...Array.from(chunk.subarray(0, used))],
  };
  const gcs: number[] = [];
  const windows: unknown[] = [];
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  let elu0 = performance.eventLoopUtilization();
  let cpu0 = process.cpuUsage();
  let t0 = now();
  const idOf = (req: IncomingMessage) => Number(req.headers["x-bench-id"] ?? -1);
  subscribe("http.server.request.start", (m) => {
    reqs.push(idOf((m as { request: IncomingMessage }).request), 0, now());
  });
  subscribe("http.server.response.finish", (m) => {
    reqs.push(idOf((m as { request: IncomingMessage }).request), 1, now());
  });
  // The gateway's upstream call, matched to its client request by the id the load generator put
  // in the message text (marks 2, 3, 4: request created, headers in, body complete).
  const upstreamIds = new WeakMap<object, number>();
  subscribe("undici:request:create", (m) => {
    const r = (m as { request: { body?: unknown } }).request;
    const id = Number(/bench #(\d+)/.exec(String(r.body ?? ""))?.[1] ?? -1);
    upstreamIds.set(r, id);
    reqs.push(id, 2, now());
  });
  subscribe("undici:request:headers", (m) => {
    reqs.push(upstreamIds.get((m as { request: object }).request) ?? -1, 3, now());
  });
  subscribe("undici:request:trailers", (m) => {
    reqs.push(upstreamIds.get((m as { request: object }).request) ?? -1, 4, now());
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcs.push(e.startTime + perfToMono, e.duration, (e as { detail?: { kind?: number } }).detail?.kind ?? 0);
  }).observe({ entryTypes: ["gc"] });
  const close = () => {
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const pct = (p: number) => eld.percentile(p) / 1e6;
    windows.push({
      t: [t0, now()],
      elu: elu.utilization,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: process.memoryUsage.rss() / 2 ** 20,
      eld: { p50: pct(50), p99: pct(99), p999: pct(99.9), max: eld.max / 1e6 },
    });
    eld.reset();
    elu0 = performance.eventLoopUtilization();
    cpu0 = process.cpuUsage();
    t0 = now();
  };
  process.on("SIGUSR2", close);
  process.on("SIGTERM", () => {
    close();
    writeFileSync(file, JSON.stringify({ reqs: reqs.all(), gcs, windows }));
  });
}

// BENCH_HEAP=<file>: a sampling heap profile of the objects that outlived a scavenge (alive when
// SIGTERM comes, or collected later by a major GC); those that die young do not show, unless
// BENCH_HEAP_ALL=1 asks for every allocation (where the bytes per request go, not what survives).
const heapFile = process.env.BENCH_HEAP;
if (heapFile) {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  // Objects a major GC collected count too: what survived scavenges and died old.
  session.post("HeapProfiler.startSampling", {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP_ALL === "1",
  } as object);
  process.on("SIGTERM", () => {
    session.post("HeapProfiler.stopSampling", (err, res) => {
      if (!err) writeFileSync(heapFile, JSON.stringify(res.profile));
    });
  });
}
