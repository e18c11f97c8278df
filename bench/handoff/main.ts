/**
 * Question: when a customer's turn triggers a hand-off, how soon does an agent's console hear of
 * it? (Target: p99 < 200 ms.)
 *
 * `seekdesk serve` runs as a child process on a temp data dir (SQLite, demo domain). An agent
 * console holds the SSE stream /api/agent/events. Customers arrive open-loop at `--rate` per
 * second, each starting a conversation and writing "talk to a human"/"转人工"; agents accept and
 * close each ticket as it appears, so the queue stays realistic rather than growing without end.
 * Ours: from sending the customer's POST to the `ticket_opened` event reaching the agent's
 * stream. Peer: the same POST's own round trip (the customer seeing the hand-off reply), so the
 * ratio says whether agents learn of a hand-off as fast as the customer who asked for it.
 *
 *   npx tsx bench/handoff/main.ts [--count 200] [--rate 20]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openSse } from "@seekdesk/assistant/service/testing/sse-client.ts";

const { values } = parseArgs({
  options: { count: { type: "string", default: "200" }, rate: { type: "string", default: "20" } },
});
const count = Number(values.count);
const rate = Number(values.rate);
const BIN = fileURLToPath(new URL("../../packages/cli/bin.js", import.meta.url));

async function serve(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--data-dir", dataDir, "--port", "0", "--grpc-port", "off"],
    {
      env: { ...process.env, SEEKDESK_LOG_LEVEL: "warn", SEEKDESK_CONFIG: "" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const url = await new Promise<string>((ok, fail) => {
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
      const m = /listening on (http:\/\/[^\s;]+)/.exec(err);
      if (m) ok(m[1]);
    });
    child.on("exit", (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
  return { url, child };
}

async function post(url: string, body: unknown): Promise<{ id?: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const dataDir = mkdtempSync(join(tmpdir(), "seekdesk-bench-handoff-"));
const { url, child } = await serve(dataDir);
try {
  const agent = await openSse(`${url}/api/agent/events`);
  await agent.next((e) => e.event === "snapshot");
  const sentAt = new Map<string, number>();
  const toAgent: number[] = [];
  const toCustomer: number[] = [];
  const agentWork: Promise<unknown>[] = [];
  let seen = 0;
  const watcher = (async () => {
    while (seen < count) {
      const e = await agent.next((x) => x.event === "ticket_opened", 60_000);
      const now = performance.now();
      const data = JSON.parse(e.data) as { ticketId: string; ticket: { conversationId: string } };
      const sent = sentAt.get(data.ticket.conversationId);
      if (sent === undefined) continue;
      toAgent.push(now - sent);
      seen++;
      agentWork.push(
        post(`${url}/api/agent/tickets/${data.ticketId}/accept`, { agentId: "bench" }).then(() =>
          post(`${url}/api/agent/tickets/${data.ticketId}/close`, { agentId: "bench" }),
        ),
      );
    }
  })();

  const cpuBefore = cpuSeconds(child.pid as number);
  const start = performance.now() + 100;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const due = start + (i * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      const conv = (await post(`${url}/api/conversations`, { userId: `bench-${i}` })).id as string;
      const t0 = performance.now();
      sentAt.set(conv, t0);
      await post(`${url}/api/conversations/${conv}/messages`, { text: i % 2 ? "talk to a human" : "转人工" });
      toCustomer.push(performance.now() - t0);
    }),
  );
  await watcher;
  await Promise.all(agentWork);
  const cpuPerHandoff = (cpuSeconds(child.pid as number) - cpuBefore) / count;
  agent.close();

  const machine = `${cpus().length}x ${cpus()[0]?.model.trim() ?? "cpu"}, node ${process.version}`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const table: string[][] = [
    ["measure", "ours (trigger → agent SSE event)", "peer (customer's POST round trip)", "ratio", "machine"],
  ];
  for (const [name, q] of [
    ["p50", 0.5],
    ["p99", 0.99],
  ] as const) {
    table.push([
      `hand-off ${name} @ ${rate}/s (${count} hand-offs)`,
      ms(pct(toAgent, q)),
      ms(pct(toCustomer, q)),
      (pct(toAgent, q) / pct(toCustomer, q)).toFixed(2),
      machine,
    ]);
  }
  table.push([
    "server CPU per hand-off (start, message, turn, ticket, accept, close)",
    ms(cpuPerHandoff * 1000),
    "-",
    "-",
    machine,
  ]);
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
  console.log("target: hand-off trigger → agent event p99 < 200 ms");
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
