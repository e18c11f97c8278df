/**
 * Question: what does seekdesk's LlamaBackend cost over node-llama-cpp called directly, and how
 * does aggregate throughput grow with concurrent streams (continuous batching in one context)?
 *
 *   npx tsx bench/engine/main.ts [--model file.gguf] [--tokens 128] [--runs 3] [--threads N] [--gpu auto|cpu]
 *
 * Default model: the qwen2 fixture converted to GGUF. Both sides load the same file with the same
 * context settings, get the same prompt, decode greedily, and count the tokens actually generated.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import type { ChatEvent, ChatRequest } from "@seekdesk/core";
import { LlamaBackend } from "@seekdesk/engine";
import { fixtureGguf } from "@seekdesk/models/testing/fixture-gguf.ts";
import { type ChatHistoryItem, getLlama, LlamaChat, resolveChatWrapper } from "node-llama-cpp";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    tokens: { type: "string", default: "128" },
    runs: { type: "string", default: "7" },
    threads: { type: "string" },
    gpu: { type: "string", default: "cpu" },
    context: { type: "string", default: "2048" },
  },
});
const modelPath = values.model ?? (await fixtureGguf("qwen2"));
const maxTokens = Number(values.tokens);
const runs = Number(values.runs);
const contextSize = Number(values.context);
const gpu = values.gpu === "auto" ? "auto" : false;
const llama = await getLlama({ gpu });
const threads = values.threads ? Number(values.threads) : llama.cpuMathCores;
const prompt =
  "A customer writes: my parcel has not arrived after ten days. Reply politely and explain the next steps.";
const history: ChatHistoryItem[] = [
  { type: "user", text: prompt },
  { type: "model", response: [] },
];
const request: ChatRequest = {
  model: "bench",
  messages: [{ role: "user", content: prompt }],
  maxTokens,
  temperature: 0,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Tokens per wall second, and per CPU second of this process (steadier on a shared machine). */
type Rate = { wall: number; cpu: number };
type Side = { run: () => Promise<Rate>; close: () => Promise<void> };

/** Runs `generate`, which reports the tokens it generates through `count`, and rates them. */
async function measure(generate: (count: (tokens: number) => void) => Promise<unknown>): Promise<Rate> {
  let tokens = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await generate((n) => {
    tokens += n;
  });
  const c = process.cpuUsage(c0);
  return { wall: tokens / ((performance.now() - t0) / 1000), cpu: tokens / ((c.user + c.system) / 1e6) };
}

/** node-llama-cpp directly: N LlamaChat generations at once on one context with N sequences. */
async function direct(streams: number): Promise<Side> {
  const model = await llama.loadModel({ modelPath, gpuLayers: gpu ? "auto" : 0 });
  const context = await model.createContext({ contextSize, sequences: streams, threads });
  const wrapper = resolveChatWrapper(model);
  const chats = Array.from(
    { length: streams },
    () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: wrapper }),
  );
  await chats[0].generateResponse(history, { maxTokens: 1 });
  return {
    run: () =>
      measure((count) =>
        Promise.all(
          chats.map((chat) =>
            chat.generateResponse(history, {
              maxTokens,
              temperature: 0,
              onResponseChunk: (c) => count(c.tokens.length),
            }),
          ),
        ),
      ),
    close: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

/** The same through LlamaBackend.chat(), consuming its event stream as the gateway does. */
async function ours(streams: number): Promise<Side> {
  const backend = new LlamaBackend({
    ids: ["bench"],
    modelPath,
    contextSize,
    threads,
    parallel: streams,
    gpu: gpu ? "auto" : "cpu",
  });
  await backend.whenReady();
  return {
    run: () =>
      measure((count) =>
        Promise.all(
          Array.from({ length: streams }, async () => {
            for await (const e of backend.chat(
              request,
              new AbortController().signal,
            ) as AsyncIterable<ChatEvent>) {
              if (e.type === "finish") count(e.usage.completionTokens);
            }
          }),
        ),
      ),
    close: () => backend.close(),
  };
}

const rows: [string, number, number][] = [];
for (const streams of [1, 4, 8]) {
  // Both loaded side by side (the weights are mmapped once) and runs alternated (d o o d d o …),
  // so a busy machine slows both sides alike instead of whichever happened to run later.
  const d = await direct(streams);
  const o = await ours(streams);
  const dr: Rate[] = [];
  const or: Rate[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      dr.push(await d.run());
      or.push(await o.run());
    } else {
      or.push(await o.run());
      dr.push(await d.run());
    }
  }
  await d.close();
  await o.close();
  const label = `${streams} stream${streams > 1 ? "s" : ""}`;
  rows.push([`tokens/s, ${label} (aggregate)`, median(or.map((r) => r.wall)), median(dr.map((r) => r.wall))]);
  rows.push([`tokens per CPU-second, ${label}`, median(or.map((r) => r.cpu)), median(dr.map((r) => r.cpu))]);
}

const machine = `${os.cpus()[0]?.model.trim()} ×${os.availableParallelism()}, ${threads} threads, gpu=${llama.gpu || "none"}, node ${process.version}`;
console.log(`model: ${modelPath}; ${maxTokens} tokens per stream, greedy, median of ${runs} alternated runs`);
console.log("| measure | ours (LlamaBackend) | peer (node-llama-cpp direct) | ratio | machine |");
console.log("|---|---:|---:|---:|---|");
for (const [m, o, p] of rows)
  console.log(`| ${m} | ${o.toFixed(1)} | ${p.toFixed(1)} | ${(o / p).toFixed(3)} | ${machine} |`);
