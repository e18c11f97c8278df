/**
 * Question: how much latency does seekdesk's gateway add in front of a model server, and how
 * many requests per second can one core of it carry?
 *
 * A fixed-response OpenAI-compatible upstream runs in one process, seekdesk's gateway (engine
 * router, queue, auth, metrics, request logs) in another, and this process sends an open-loop
 * load of non-streaming chat completions at rising rates, first straight to the upstream (the
 * peer) and then through seekdesk. Latency counts from the moment a request was due, so a
 * falling-behind server shows up as latency, not as a politely slower load.
 *
 * A last pair of rows isolates the gateway's own cost: seekdesk with an in-process fixed engine
 * against the floor of any Node HTTP service (hono answering a fixed JSON body); `--isolate-rate 0`
 * leaves it out.
 *
 * `--cpus L:U:G` pins this load generator to the cores L, the upstream to U and the gateway (and
 * the isolating pair) to G with taskset, each a cpu list such as `2` or `4-5`, so on a machine
 * with idle cores each process has cores of its own and the table measures the gateway rather
 * than the scheduler. (On the 16-core VM of docs/API.md pinning made the gateway's p99 worse, one
 * core each or two: V8's helper threads then share the event loop's cores; unpinned on idle cores
 * is the fairer run there.)
 * `bench/gateway/bundle.sh` builds plain-node bundles of these scripts for a machine without
 * node_modules: `node bench/gateway/dist/main.mjs --cpus 0-1:2-3:4-5`.
 *
 * `--gateway-flags="<node flags>"` starts the gateway processes (not the peer or the load generator)
 * with those node/V8 flags, as an operator's NODE_OPTIONS would, e.g. `--max-semi-space-size=64`;
 * the machine column names them.
 *
 * `--gc` runs the upstream and the gateway with `--trace-gc-nvp` and adds, per rate, what each
 * allocated and left surviving per request and their scavenge pauses (gc-tally.ts).
 *
 * `--pacer` is how this process keeps its schedule. `timer` checks it on every setTimeout(1) tick:
 * the tick comes every 1–1.3 ms, so requests leave in bursts up to a millisecond late, and that
 * lateness (counted in every latency, from the due time) is the generator's, not the servers'.
 * `spin` checks it on every turn of the event loop (setImmediate), sending each request within
 * tens of microseconds of its due time at the price of one busy core; it is the default where
 * there are at least four cores. The table reports the generator's own lag either way.
 * `--warmup S` sends S seconds at 500 req/s to each server before measuring (default 20): V8 is
 * still compiling the gateway's hot paths for the first several thousand requests, so a short
 * warm-up (`--warmup 2`, the old default) measures part of that; the default measures the steady
 * state a long-running server is in (docs/API.md: 578–605 against 396–536 µs of CPU per request).
 * `--arrivals even` spaces requests evenly (a constant rate, as wrk2 does); `poisson` draws the gaps
 * from an exponential distribution (seeded), the bursts of independent clients.
 *
 *   npx tsx bench/gateway/main.ts [--rates 250,500,1000,2000] [--seconds 3] [--isolate-rate 1000] [--cpus 0-1:2-3:4-5] [--gateway-flags="..."] [--warmup 20] [--pacer spin|timer] [--arrivals even|poisson]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism, cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { seededRandom } from "@seekdesk/core/random.ts";
import { GcTally, type GcTotals } from "./gc-tally.ts";

const { values } = parseArgs({
  options: {
    rates: { type: "string", default: "250,500,1000,2000,3000" },
    seconds: { type: "string", default: "3" },
    "isolate-rate": { type: "string", default: "1000" },
    warmup: { type: "string", default: "20" },
    cpus: { type: "string" },
    "gateway-flags": { type: "string", default: "" },
    gc: { type: "boolean", default: false },
    pacer: { type: "string", default: availableParallelism() >= 4 ? "spin" : "timer" },
    arrivals: { type: "string", default: "even" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npm run bench -- gateway [--rates 250,500,1000,2000,3000] [--seconds 3] [--isolate-rate 1000] [--cpus LOAD:UPSTREAM:GATEWAY] [--gateway-flags="<node flags>"] [--gc] [--warmup 20] [--pacer spin|timer] [--arrivals even|poisson]\n',
  );
  process.exit(0);
}
const rates = values.rates.split(",").map(Number);
const pacer = values.pacer;
const arrivals = values.arrivals;
if (pacer !== "spin" && pacer !== "timer") throw new Error(`--pacer is spin or timer, not ${pacer}`);
if (arrivals !== "even" && arrivals !== "poisson")
  throw new Error(`--arrivals is even or poisson, not ${arrivals}`);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
// Run from the bundle (bundle.sh), the process scripts are bundles too and need no tsx.
const bundled = import.meta.url.endsWith(".mjs");
const pins = values.cpus?.split(":").map((x) => x.trim());
if (pins && (pins.length !== 3 || pins.some((p) => !/^\d+([-,]\d+)*$/.test(p)))) {
  throw new Error("--cpus takes three cpu lists, LOAD:UPSTREAM:GATEWAY, e.g. 0-1:2-3:4-5");
}
if (pins) execFileSync("taskset", ["-pc", pins[0], String(process.pid)], { stdio: "ignore" });
const gatewayFlags = values["gateway-flags"].split(/\s+/).filter(Boolean);
const gcFlags = values.gc ? ["--trace-gc-nvp"] : [];

async function startProc(
  script: string,
  args: string[] = [],
  core?: string,
  flags: string[] = [],
): Promise<{ child: ChildProcess; line: string; gc: GcTally }> {
  const node = bundled
    ? [process.execPath, ...flags, here(script.replace(/\.ts$/, ".mjs")), ...args]
    : [process.execPath, ...flags, "--import", "tsx", here(script), ...args];
  // taskset execs node, so the child's pid is the server's (CPU time is read from /proc/<pid>).
  const [cmd, ...argv] = core === undefined ? node : ["taskset", "-c", core, ...node];
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const gc = new GcTally();
  const line = await new Promise<string>((ok, fail) => {
    // The first line that is not the collector's is the server's address.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (l) => {
      if (!gc.feed(l)) ok(l.trim());
    });
    child.on("exit", (code) => fail(new Error(`${script} exited ${code}`)));
  });
  return { child, line, gc };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
}

const BODY = JSON.stringify({
  model: "fixed",
  messages: [{ role: "user", content: "Where is my order #1234?" }],
  max_tokens: 16,
});

interface Step {
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  errors: number;
  cores: number;
  /** How late this process sent requests after their due time, ms (p50, p99). */
  lag50: number;
  lag99: number;
  /** With --gc: what the server's collector did during the step. */
  gc?: GcTotals;
}

/** `load`, with the server's collector totals over the step when --gc is on. */
async function measured(
  proc: { child: ChildProcess; gc: GcTally },
  url: string,
  rate: number,
  secs: number,
): Promise<Step> {
  const before = proc.gc.snapshot();
  const step = await load(url, rate, secs, proc.child.pid as number, true);
  if (!values.gc) return step;
  await new Promise((r) => setTimeout(r, 200)); // the last lines of the step are still in the pipe
  return { ...step, gc: proc.gc.since(before) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Due times in ms from the start: evenly spaced, or Poisson arrivals (exponential gaps, seeded). */
function schedule(rate: number, total: number, seed: number): Float64Array {
  const due = new Float64Array(total);
  const random = seededRandom(seed);
  let t = 0;
  for (let i = 0; i < total; i++) {
    due[i] = arrivals === "even" ? (i * 1000) / rate : t;
    t += (-Math.log(1 - random()) * 1000) / rate;
  }
  return due;
}

/** Sends `rate` req/s for `secs` seconds to `url` (open loop) and measures latency from due time. */
async function load(url: string, rate: number, secs: number, pid: number, record: boolean): Promise<Step> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(`${url}/v1/chat/completions`);
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * secs);
  // The same arrivals for both servers at one rate: the seed is the rate.
  const dueAt = schedule(rate, total, rate);
  const lags: number[] = [];
  const start = performance.now();
  const cpu0 = cpuSeconds(pid);
  let sent = 0;
  let done = 0;
  await new Promise<void>((finish) => {
    const fire = (due: number) => {
      lags.push(performance.now() - due);
      const req = http.request(
        target,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - due);
            if (++done === total) finish();
          });
        },
      );
      req.on("error", () => {
        errors++;
        if (++done === total) finish();
      });
      req.end(BODY);
    };
    const tick = () => {
      const elapsed = performance.now() - start;
      while (sent < total && (dueAt[sent] as number) <= elapsed) fire(start + (dueAt[sent++] as number));
      if (sent < total) {
        if (pacer === "spin") setImmediate(tick);
        else setTimeout(tick, 1);
      }
    };
    tick();
  });
  const wall = (performance.now() - start) / 1000;
  const cores = (cpuSeconds(pid) - cpu0) / wall;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  void record;
  return {
    rate,
    achieved: total / wall,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    cores,
    lag50: percentile(lags, 50),
    lag99: percentile(lags, 99),
  };
}

const upstream = await startProc("upstream-proc.ts", [], pins?.[1], gcFlags);
const gateway = await startProc("gateway-proc.ts", [upstream.line], pins?.[2], [...gatewayFlags, ...gcFlags]);
const upstreamUrl = upstream.line.replace(/\/v1$/, "");
try {
  // Warm both paths (JIT tiers, connection pools) at 500 req/s before measuring.
  await load(upstreamUrl, 500, warmup, upstream.child.pid as number, false);
  await load(gateway.line, 500, warmup, gateway.child.pid as number, false);
  const rows: { direct: Step; ours: Step }[] = [];
  for (const rate of rates) {
    const direct = await measured(upstream, upstreamUrl, rate, seconds);
    const ours = await measured(gateway, gateway.line, rate, seconds);
    rows.push({ direct, ours });
  }
  const pinned = pins ? `, load/upstream/gateway on cores ${pins.join(" / ")}` : "";
  const flagged = gatewayFlags.length > 0 ? `, gateway ${gatewayFlags.join(" ")}` : "";
  const machine = `${cpus().length}x ${cpus()[0]?.model.trim() ?? "cpu"}, node ${process.version}${pinned}${flagged}, ${pacer} pacer, ${arrivals} arrivals`;
  const table: string[][] = [
    ["measure", "ours (through seekdesk)", "peer (upstream direct)", "ratio", "machine"],
  ];
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  for (const { direct, ours } of rows) {
    table.push([
      `p50 latency @ ${ours.rate} req/s`,
      ms(ours.p50),
      ms(direct.p50),
      (ours.p50 / direct.p50).toFixed(2),
      machine,
    ]);
    table.push([
      `p99 latency @ ${ours.rate} req/s`,
      ms(ours.p99),
      ms(direct.p99),
      (ours.p99 / direct.p99).toFixed(2),
      machine,
    ]);
    table.push([
      `added p50 / p99 @ ${ours.rate} req/s`,
      `${ms(ours.p50 - direct.p50)} / ${ms(ours.p99 - direct.p99)}`,
      "0",
      "-",
      machine,
    ]);
    table.push([
      `load generator lag p50 / p99 @ ${ours.rate}`,
      `${ms(ours.lag50)} / ${ms(ours.lag99)}`,
      `${ms(direct.lag50)} / ${ms(direct.lag99)}`,
      "-",
      machine,
    ]);
    table.push([
      `achieved req/s (errors) @ ${ours.rate}`,
      `${ours.achieved.toFixed(0)} (${ours.errors})`,
      `${direct.achieved.toFixed(0)} (${direct.errors})`,
      (ours.achieved / direct.achieved).toFixed(2),
      machine,
    ]);
    table.push([
      `server CPU per request @ ${ours.rate}`,
      `${((ours.cores / ours.achieved) * 1e6).toFixed(0)} µs`,
      `${((direct.cores / direct.achieved) * 1e6).toFixed(0)} µs`,
      (ours.cores / ours.achieved / (direct.cores / direct.achieved)).toFixed(2),
      machine,
    ]);
    if (ours.gc && direct.gc) {
      const per = (bytes: number, s: Step) => `${(bytes / Math.round(s.rate * seconds)).toFixed(0)} B`;
      const pause = (g: GcTotals) =>
        `${(g.pauseMs / Math.max(1, g.scavenges)).toFixed(2)} / ${g.maxPauseMs.toFixed(2)} ms (${g.scavenges})`;
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "-");
      table.push([
        `allocated per request @ ${ours.rate}`,
        per(ours.gc.allocated, ours),
        per(direct.gc.allocated, direct),
        ratio(ours.gc.allocated / ours.achieved, direct.gc.allocated / direct.achieved),
        machine,
      ]);
      table.push([
        `promoted by scavenges per request @ ${ours.rate}`,
        per(ours.gc.promoted, ours),
        per(direct.gc.promoted, direct),
        ratio(ours.gc.promoted / ours.achieved, direct.gc.promoted / direct.achieved),
        machine,
      ]);
      table.push([
        `scavenge pause mean / max (count) @ ${ours.rate}`,
        pause(ours.gc),
        pause(direct.gc),
        ratio(
          ours.gc.pauseMs / Math.max(1, ours.gc.scavenges),
          direct.gc.pauseMs / Math.max(1, direct.gc.scavenges),
        ),
        machine,
      ]);
    }
    table.push([
      `server CPU cores used @ ${ours.rate}`,
      ours.cores.toFixed(2),
      direct.cores.toFixed(2),
      (ours.cores / direct.cores).toFixed(2),
      machine,
    ]);
  }
  // Highest rate carried cleanly (no errors, kept pace, p99 under 50 ms), and requests per core there.
  const kept = rows.filter(
    (r) => r.ours.errors === 0 && r.ours.achieved >= 0.97 * r.ours.rate && r.ours.p99 < 50,
  );
  const best = kept.at(-1);
  if (best) {
    table.push([
      `req/s per core at ${best.ours.rate} req/s`,
      (best.ours.achieved / best.ours.cores).toFixed(0),
      (best.direct.achieved / best.direct.cores).toFixed(0),
      (best.ours.achieved / best.ours.cores / (best.direct.achieved / best.direct.cores)).toFixed(2),
      machine,
    ]);
  }
  // The gateway's own cost, without the backend's HTTP client: fixed engine vs bare hono
  // (--isolate-rate 0 leaves it out).
  const isolate = Number(values["isolate-rate"]);
  if (isolate > 0) {
    const bare = await startProc("bare-proc.ts", [], pins?.[2]);
    const alone = await startProc("gateway-proc.ts", ["--fixed"], pins?.[2], gatewayFlags);
    try {
      await load(bare.line, 500, warmup, bare.child.pid as number, false);
      await load(alone.line, 500, warmup, alone.child.pid as number, false);
      const floor = await load(bare.line, isolate, seconds, bare.child.pid as number, true);
      const own = await load(alone.line, isolate, seconds, alone.child.pid as number, true);
      table.push([
        `gateway alone vs bare hono: p50 @ ${isolate}`,
        ms(own.p50),
        ms(floor.p50),
        (own.p50 / floor.p50).toFixed(2),
        machine,
      ]);
      table.push([
        `gateway alone vs bare hono: p99 @ ${isolate}`,
        ms(own.p99),
        ms(floor.p99),
        (own.p99 / floor.p99).toFixed(2),
        machine,
      ]);
      table.push([
        `gateway alone vs bare hono: CPU/request @ ${isolate}`,
        `${((own.cores / own.achieved) * 1e6).toFixed(0)} µs`,
        `${((floor.cores / floor.achieved) * 1e6).toFixed(0)} µs`,
        (own.cores / own.achieved / (floor.cores / floor.achieved)).toFixed(2),
        machine,
      ]);
    } finally {
      bare.child.kill("SIGTERM");
      alone.child.kill("SIGTERM");
    }
  }
  // Issue 4's target, stated against the peer measured in this same run.
  const at1000 = rows.find((r) => r.ours.rate === 1000);
  if (at1000) {
    const added = at1000.ours.p99 - at1000.direct.p99;
    table.push([
      "target: added p99 @ 1000 req/s < 1 ms",
      `${ms(added)} (${added < 1 ? "met" : "not met"})`,
      ms(at1000.direct.p99),
      (at1000.ours.p99 / at1000.direct.p99).toFixed(2),
      machine,
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
} finally {
  gateway.child.kill("SIGTERM");
  upstream.child.kill("SIGTERM");
}
