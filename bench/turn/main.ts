/**
 * Question: how long does one customer turn take on the desk without an LLM, and how does that
 * hold up with 1, 10 and 100 conversations talking at once? (Target: p99 < 20 ms on 2 cores.)
 *
 * Ours: ConversationService.postMessage on a SQLite file (WAL): store the customer's message,
 * load state/profile/history, run the trained demo assistant, store the reply with its state,
 * merge the profile, publish events. Peer: the bare `assistant.turn` on the same inputs with
 * everything in memory, i.e. what persistence and the service add.
 *
 * Load is open-loop, as customers behave: each of N conversations sends its next message
 * `--think` ms after the previous one was due (random phase), and latency counts from the moment
 * the message was due, so a desk falling behind shows up as latency. A last row drives 100
 * conversations closed-loop (no think time) to find the most turns per second the desk carries.
 *
 *   npx tsx bench/turn/main.ts [--turns 10] [--levels 1,10,100] [--think 1000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Assistant, DialogueState } from "@seekdesk/assistant";
import { initialDialogueState } from "@seekdesk/assistant";
import { ConversationService } from "@seekdesk/assistant/service/conversation-service.ts";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { openSqliteConversationStore } from "@seekdesk/store";

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "10" },
    levels: { type: "string", default: "1,10,100" },
    think: { type: "string", default: "1000" },
  },
});
const turnsPerConversation = Number(values.turns);
const levels = values.levels.split(",").map(Number);
const thinkMs = Number(values.think);

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** When conversation `c`'s turn `t` is due: open-loop, independent of how fast replies come. */
function schedule(concurrency: number, closed: boolean): (c: number, t: number) => number | null {
  if (closed) return () => null;
  const start = performance.now() + 50;
  const phase = Array.from({ length: concurrency }, () => Math.random() * thinkMs);
  return (c, t) => start + phase[c] + t * thinkMs;
}

// A mixed Chinese/English script: greetings, slot filling, knowledge questions, corrections.
const SCRIPT = [
  "你好",
  "我的订单到哪了",
  "SD20260001",
  "退货需要运费吗",
  "I want to return my order",
  "SD20260002",
  "it arrived damaged",
  "how long does a refund take",
  "我想改一下收货地址",
  "谢谢",
];

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function runOurs(assistant: Assistant, concurrency: number, closed = false): Promise<number[]> {
  const due = schedule(concurrency, closed);
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-bench-turn-"));
  const store = openSqliteConversationStore(join(dir, "bench.sqlite"));
  const service = new ConversationService({ store, assistant });
  const latencies: number[] = [];
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, c) => {
        let conversationId: string | undefined;
        for (let t = 0; t < turnsPerConversation; t++) {
          const at = due(c, t);
          if (at !== null) await sleepUntil(at);
          const started = at ?? performance.now();
          const r = await service.postMessage({
            conversationId,
            userId: `bench-${c}`,
            input: { kind: "text", text: SCRIPT[(t + c) % SCRIPT.length] },
            idempotencyKey: `k-${c}-${t}`,
          });
          latencies.push(performance.now() - started);
          conversationId = r.conversation.id;
          // A hand-off silences the bot; close it so the conversation keeps exercising turns.
          if (r.conversation.status !== "bot") {
            const ticket = await store.activeTicketFor(conversationId);
            if (ticket) await store.closeTicket(ticket.id);
          }
        }
      }),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return latencies;
}

async function runPeer(assistant: Assistant, concurrency: number): Promise<number[]> {
  const due = schedule(concurrency, false);
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      let state: DialogueState = initialDialogueState("zh");
      for (let t = 0; t < turnsPerConversation; t++) {
        const at = due(c, t) as number;
        await sleepUntil(at);
        const started = at;
        const r = await assistant.turn(
          { conversationId: `c${c}`, userId: `u${c}`, text: SCRIPT[(t + c) % SCRIPT.length] },
          { history: [], state, profile: null },
        );
        latencies.push(performance.now() - started);
        state = r.state;
      }
    }),
  );
  return latencies;
}

const { assistant, trainMs } = createEmbeddedAssistant();
await runOurs(assistant, 10, true); // warm-up: JIT, jieba dictionary, SQLite pages
const machine = `${cpus().length}x ${cpus()[0]?.model.trim() ?? "cpu"}, node ${process.version}`;
const table: string[][] = [
  ["measure", "ours (service + SQLite)", "peer (bare assistant.turn)", "ratio", "machine"],
];
const ms = (x: number) => `${x.toFixed(2)} ms`;
for (const n of levels) {
  const ours = await runOurs(assistant, n);
  const peer = await runPeer(assistant, n);
  for (const [name, q] of [
    ["p50", 0.5],
    ["p99", 0.99],
  ] as const) {
    table.push([
      `turn latency ${name} @ ${n} conversations, 1 msg/${thinkMs / 1000}s each (${ours.length} turns)`,
      ms(pct(ours, q)),
      ms(pct(peer, q)),
      (pct(ours, q) / pct(peer, q)).toFixed(2),
      machine,
    ]);
  }
}
const closedStart = performance.now();
const saturated = await runOurs(assistant, 100, true);
const perSecond = saturated.length / ((performance.now() - closedStart) / 1000);
table.push(["most turns/s, 100 conversations closed-loop", perSecond.toFixed(0), "-", "-", machine]);
table.push(["intent training at start", `${trainMs} ms`, "-", "-", machine]);
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
for (const r of table) console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
console.log("target: p99 < 20 ms per turn at 100 concurrent conversations");
