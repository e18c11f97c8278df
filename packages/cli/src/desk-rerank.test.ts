import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  passagesWith,
  type RankingChatServer,
  startRankingChatServer,
} from "@seekdesk/knowledge/testing/ranking-chat-server.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServe } from "./testing/serve-child.ts";

const root = mkdtempSync(join(tmpdir(), "seekdesk-desk-rerank-"));
let server: RankingChatServer;
let child: ChildProcess | undefined;
beforeAll(async () => {
  // The one served model both reranks (prompts with numbered passages: it prefers the strap
  // article) and writes the grounded answers.
  server = await startRankingChatServer((prompt) =>
    prompt.includes("\n\nPassages:\n")
      ? { content: passagesWith(prompt, "STRAPMARK").join(", ") }
      : { content: "See the sources." },
  );
});
afterAll(async () => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

async function serve(config: string): Promise<string> {
  const s = spawnServe(["-c", config], root);
  child = s.child;
  return s.url;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;
async function call(url: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, ...(await res.json()) };
}

describe("seekdesk serve with knowledge.rerank", () => {
  it("answers customers from the reranked hits, and the search API reranks unless told not to", async () => {
    const config = join(root, "seekdesk.json");
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(root, "data"),
        models: [{ id: "judge", backend: "openai", baseURL: server.url, model: "deepseek-r1" }],
        knowledge: { rerank: { kind: "llm", model: "judge" } },
      }),
    );
    const url = await serve(config);
    for (const [title, text] of [
      ["SeekWatch X2 warranty", "The SeekWatch X2 smart watch has a 36-month warranty on the battery."],
      ["SeekWatch X2 straps", "SeekWatch X2 straps STRAPMARK are covered by the warranty for 12 months."],
    ])
      expect((await call(url, "POST", "/api/kb/documents", { title, text })).status).toBe(200);
    const question = "How long is the warranty on the SeekWatch X2 smart watch battery?";

    // The fused order puts the battery article first; the model prefers the strap one.
    const fused = await call(url, "POST", "/api/kb/search", { query: question, rerank: false });
    expect(fused.data[0].citation.title).toBe("SeekWatch X2 warranty");
    const reranked = await call(url, "POST", "/api/kb/search", { query: question });
    expect(reranked.data[0]).toMatchObject({ citation: { title: "SeekWatch X2 straps" }, reranked: true });

    server.requests.length = 0;
    const conv = (await call(url, "POST", "/api/conversations", { userId: "r1" })).id as string;
    const r = await call(url, "POST", `/api/conversations/${conv}/messages`, { text: question });
    expect(r.status).toBe(201);
    expect(r.replies[0].citations[0]).toMatchObject({ title: "SeekWatch X2 straps" });
    const rerankCalls = server.requests.filter((q) => q.messages.at(-1)?.content.includes("\n\nPassages:\n"));
    expect(rerankCalls.length).toBe(1);
    expect(rerankCalls[0]?.messages.at(-1)?.content).toContain(`Question: ${question}`);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^seekdesk_kb_rerank_total\{outcome="reranked"\} 2$/m);
    child?.kill("SIGTERM");
  }, 120_000);

  it("refuses to start when knowledge.rerank names a model that is not served", async () => {
    const config = join(root, "bad.json");
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(root, "data-bad"),
        models: [{ id: "judge", backend: "openai", baseURL: server.url }],
        knowledge: { rerank: { kind: "llm", model: "deepseek-r1" } },
      }),
    );
    const err = await serve(config).catch((e: unknown) => (e as Error).message);
    expect(err).toContain(
      "config: knowledge.rerank.model: no model deepseek-r1 is configured; models: judge",
    );
  }, 120_000);
});
