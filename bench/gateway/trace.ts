/**
 * Question: where does the gateway's added p99 come from? Runs the gateway bench's open-loop load
 * at one rate, alternating the upstream direct and one or more gateways (different builds or node
 * flags) for several rounds, with every server process tracing itself (trace-server.ts). For each
 * request it knows when it was due, when the server saw it, when the server finished it and when
 * the answer was back, so the slowest 1 % split into: before the server (load generator and
 * kernel), in the server (gateway work, queueing, GC, the upstream hop) and after it.
 *
 *   node bench/gateway/dist/trace.mjs [--rate 1000] [--seconds 4] [--rounds 3] [--out DIR]
 *     [--gw 'name=path/to/gateway-proc.mjs|--node-flags[|notrace]' ...] [--cpus LOAD:UPSTREAM:GATEWAYS]
 *
 * Without --gw it traces this directory's gateway-proc with no flags. Each row: p50/p99 from the
 * due time; for all requests and for the slowest 1 %, the mean of `late` (the load generator's own
 * firing lag), `pre` (due → server saw it), `srv` (in the server; for a gateway split into `in`
 * before its upstream call, `hop` the upstream call, `out` after it) and `post` (answer written →
 * back at the client); collector pauses in the phase and the share of requests that overlapped
 * one; the server's event-loop utilisation, CPU per request, RSS and loop delay. A process's
 * output (e.g. with --trace-gc-nvp) is kept in DIR/<name>.stdout. BENCH_HEAP_OF=<name> also takes
 * a sampling heap profile of what outlived a scavenge in that process (DIR/<name>.heap.json).
 * Used for docs/API.md, Performance (2026-11-29, where the tail comes from).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    out: { type: "string", default: "/tmp/seekdesk-trace" },
    gw: { type: "string", multiple: true, default: [] },
    cpus: { type: "string" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const outDir = values.out;
const pins = values.cpus?.split(":");
if (pins) execFileSync("taskset", ["-pc", pins[0], String(process.pid)], { stdio: "ignore" });
mkdirSync(outDir, { recursive: true });
const bundled = import.meta.url.endsWith(".mjs");
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const script = (s: string) => (bundled ? here(`${s}.mjs`) : here(`${s}.ts`));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  child: ChildProcess;
  url: string;
  traceFile: string;
  traced: boolean;
}

async function start(
  name: string,
  path: string,
  args: string[],
  flags: string[],
  core?: string,
  traced = true,
): Promise<Proc> {
  const traceFile = join(outDir, `${name}.trace.json`);
  const node = [
    process.execPath,
    ...(bundled ? [...flags, path] : [...flags, "--import", "tsx", path]),
    ...args,
  ];
  const [cmd, ...argv] = core === undefined ? node : ["taskset", "-c", core, ...node];
  const child = spawn(cmd, argv, {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      BENCH_TRACE: traced ? traceFile : "",
      BENCH_HEAP: name === process.env.BENCH_HEAP_OF ? join(outDir, `${name}.heap.json`) : "",
    },
  });
  // Everything the process prints (its URL, and e.g. --trace-gc) goes to <name>.stdout.
  const log = createWriteStream(join(outDir, `${name}.stdout`));
  const line = await new Promise<string>((ok, fail) => {
    let buf = "";
    child.stdout?.on("data", (b: Buffer) => {
      log.write(b);
      buf += b.toString();
      const url = /^https?:\/\/\S+/m.exec(buf);
      if (url) ok(url[0]);
    });
    child.on("exit", (code) => fail(new Error(`${name} exited ${code}`)));
  });
  return { name, child, url: line.replace(/\/v1$/, ""), traceFile, traced };
}

// The id in the text lets the gateway's trace match its upstream call to the client request.
const body = (id: number) =>
  JSON.stringify({ model: "fixed", messages: [{ role: "user", content: `bench #${id}` }], max_tokens: 16 });

interface Sample {
  id: number;
  due: number;
  fired: number;
  done: number;
  ok: boolean;
}
interface Phase {
  target: string;
  round: number;
  t: [number, number];
  samples: Sample[];
  loadEld: { p99: number; max: number };
}

let nextId = 0;
async function load(p: Proc, round: number, secs: number, record: boolean): Promise<Phase> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(`${p.url}/v1/chat/completions`);
  const samples: Sample[] = [];
  const total = Math.round(rate * secs);
  // SIGUSR2 opens and closes a trace window; an untraced process would die of it.
  if (record && p.traced) {
    p.child.kill("SIGUSR2");
    await sleep(50);
  }
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const t0 = now();
  let sent = 0;
  let done = 0;
  await new Promise<void>((finish) => {
    const fire = (due: number) => {
      const s: Sample = { id: nextId++, due, fired: now(), done: 0, ok: false };
      samples.push(s);
      const text = body(s.id);
      const req = http.request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(text),
            "x-bench-id": String(s.id),
          },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            s.done = now();
            s.ok = res.statusCode === 200;
            if (++done === total) finish();
          });
        },
      );
      req.on("error", () => {
        s.done = now();
        if (++done === total) finish();
      });
      req.end(text);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + 1);
      while (sent < due) fire(t0 + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const t1 = now();
  eld.disable();
  agent.destroy();
  if (record && p.traced) p.child.kill("SIGUSR2");
  return {
    target: p.name,
    round,
    t: [t0, t1],
    samples,
    loadEld: { p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
  };
}

const gws = (values.gw.length > 0 ? values.gw : [`gateway=${script("gateway-proc")}|`]).map((g) => {
  const eq = g.indexOf("=");
  const name = g.slice(0, eq);
  const rest = g.slice(eq + 1);
  const [path, flags = "", mode = ""] = rest.split("|");
  return { name, path, flags: flags.split(/\s+/).filter(Boolean), traced: mode !== "notrace" };
});
const procs: Proc[] = [];
const phases: Phase[] = [];
try {
  // Started inside the try, so a process that fails to start (a bad flag) does not leave the
  // others running and this script waiting on them.
  const upstream = await start("direct", script("upstream-proc"), [], [], pins?.[1]);
  procs.push(upstream);
  for (const g of gws)
    procs.push(await start(g.name, g.path, [`${upstream.url}/v1`], g.flags, pins?.[2], g.traced));
  for (const p of procs) await load(p, -1, 2, false);
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so no target always follows the same one.
    for (let i = 0; i < procs.length; i++)
      phases.push(await load(procs[(i + r) % procs.length], r, seconds, true));
  }
} finally {
  for (const p of procs) p.child.kill("SIGTERM");
  await Promise.all(
    procs.map(
      (p) =>
        new Promise((r) =>
          p.child.exitCode !== null || p.child.signalCode !== null ? r(0) : p.child.on("exit", r),
        ),
    ),
  );
}

interface Trace {
  reqs: number[];
  gcs: number[];
  windows: { t: [number, number]; elu: number; cpuMs: number; rssMb: number; eld: Record<string, number> }[];
}
const traces = new Map<string, Trace>();
for (const p of procs) {
  const untraced: Trace = { reqs: [], gcs: [], windows: [] };
  traces.set(
    p.name,
    existsSync(p.traceFile) ? (JSON.parse(readFileSync(p.traceFile, "utf8")) as Trace) : untraced,
  );
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))];
};
const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const f = (x: number) => x.toFixed(2);

console.log(
  `# ${cpus().length}x ${cpus()[0]?.model.trim()}, node ${process.version}, ${rate} req/s, ${seconds} s x ${rounds} rounds${pins ? `, cores ${pins.join(" / ")}` : ""}`,
);
const rows: string[] = [];
const byRound = new Map<string, number>();
for (const ph of phases) {
  const tr = traces.get(ph.target) as Trace;
  const marks = [0, 1, 2, 3, 4].map(() => new Map<number, number>());
  for (let i = 0; i < tr.reqs.length; i += 3) marks[tr.reqs[i + 1]].set(tr.reqs[i], tr.reqs[i + 2]);
  const [tin, tout, upCreate, , upDone] = marks;
  const lat = ph.samples.map((s) => s.done - s.due);
  const p50 = pct(lat, 50);
  const p99 = pct(lat, 99);
  byRound.set(`${ph.target}#${ph.round}`, p99);
  const slow = ph.samples.filter((s) => s.done - s.due >= p99);
  const parts = (ss: Sample[]) => {
    const pre = ss.map((s) => (tin.get(s.id) ?? Number.NaN) - s.due);
    const late = ss.map((s) => s.fired - s.due);
    const srv = ss.map((s) => (tout.get(s.id) ?? Number.NaN) - (tin.get(s.id) ?? Number.NaN));
    const post = ss.map((s) => s.done - (tout.get(s.id) ?? Number.NaN));
    const gwIn = ss.map((s) => (upCreate.get(s.id) ?? Number.NaN) - (tin.get(s.id) ?? Number.NaN));
    const hop = ss.map((s) => (upDone.get(s.id) ?? Number.NaN) - (upCreate.get(s.id) ?? Number.NaN));
    const gwOut = ss.map((s) => (tout.get(s.id) ?? Number.NaN) - (upDone.get(s.id) ?? Number.NaN));
    const split = upCreate.size > 0 ? ` [in ${f(mean(gwIn))} hop ${f(mean(hop))} out ${f(mean(gwOut))}]` : "";
    return `late ${f(mean(late))} pre ${f(mean(pre))} srv ${f(mean(srv))}${split} post ${f(mean(post))}`;
  };
  // GC pauses inside the phase, and how many slow requests were in the server during one.
  const gcs: [number, number][] = [];
  for (let i = 0; i < tr.gcs.length; i += 3)
    if (tr.gcs[i] >= ph.t[0] && tr.gcs[i] <= ph.t[1]) gcs.push([tr.gcs[i], tr.gcs[i] + tr.gcs[i + 1]]);
  const hitGc = (s: Sample) => gcs.some(([a, b]) => a < s.done && b > s.due);
  const w = tr.windows.find((x) => x.t[0] <= ph.t[0] + 60 && x.t[1] >= ph.t[1] - 5);
  const errors = ph.samples.filter((s) => !s.ok).length;
  rows.push(
    `${ph.target.padEnd(10)} r${ph.round} p50 ${f(p50)} p99 ${f(p99)} p99.9 ${f(pct(lat, 99.9))} err ${errors} | all: ${parts(ph.samples)} | slowest 1%: ${parts(slow)} | gc ${gcs.length} (sum ${f(gcs.reduce((a, [x, y]) => a + y - x, 0))} max ${f(Math.max(0, ...gcs.map(([x, y]) => y - x)))} ms), slow w/ gc ${f((100 * slow.filter(hitGc).length) / slow.length)}% all w/ gc ${f((100 * ph.samples.filter(hitGc).length) / ph.samples.length)}% | srv elu ${w ? f(w.elu) : "?"} cpu/req ${w ? ((w.cpuMs * 1000) / ph.samples.length).toFixed(0) : "?"} µs rss ${w ? w.rssMb.toFixed(0) : "?"} MB eld p99 ${w ? f(w.eld.p99) : "?"} max ${w ? f(w.eld.max) : "?"} | loadgen eld p99 ${f(ph.loadEld.p99)} max ${f(ph.loadEld.max)}`,
  );
}
for (const r of rows) console.log(r);
for (const g of gws) {
  const added: string[] = [];
  for (let r = 0; r < rounds; r++)
    added.push(f((byRound.get(`${g.name}#${r}`) as number) - (byRound.get(`direct#${r}`) as number)));
  console.log(`added p99 ${g.name}: ${added.join(", ")} ms`);
}
writeFileSync(join(outDir, "phases.json"), JSON.stringify(phases));
