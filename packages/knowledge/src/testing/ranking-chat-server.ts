import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the scripted "model" answers to one chat request. */
export interface JudgeAnswer {
  content?: string;
  /** Sent as `reasoning_content` deltas first, as DeepSeek's API and vLLM's R1 parser do. */
  reasoning?: string;
  /** Wait this long before the first byte (a slow or stuck model). */
  delayMs?: number;
  /** Answer with this HTTP error instead. */
  status?: number;
}

export interface RankingChatServer {
  /** Base URL up to and including `/v1`. */
  url: string;
  /** Chat request bodies received. */
  requests: { model: string; temperature?: number; messages: { role: string; content: string }[] }[];
  /** Requests whose client went away before the answer ended (a timeout's abort). */
  clientAborts: number;
  judge: (prompt: string) => JudgeAnswer;
  close(): Promise<void>;
}

/**
 * A real OpenAI-compatible chat server on 127.0.0.1 standing in for a reranking model: `judge`
 * reads the prompt and scripts the answer, streamed as server-sent events the way vLLM or the
 * DeepSeek API stream it. Tests point a `models[]` openai backend at it.
 */
export async function startRankingChatServer(
  judge: (prompt: string) => JudgeAnswer = () => ({ content: "" }),
): Promise<RankingChatServer> {
  const state: RankingChatServer = {
    url: "",
    requests: [],
    clientAborts: 0,
    judge,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [] }));
      return;
    }
    const r = JSON.parse(body) as RankingChatServer["requests"][number];
    state.requests.push(r);
    res.on("close", () => {
      if (!res.writableFinished) state.clientAborts++;
    });
    const a = state.judge(r.messages.at(-1)?.content ?? "");
    if (a.delayMs) await new Promise((ok) => setTimeout(ok, a.delayMs));
    if (res.destroyed) return;
    if (a.status) {
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "scripted failure", type: "server_error" } }));
      return;
    }
    const sse = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (a.reasoning) res.write(sse({ reasoning_content: a.reasoning }));
    res.write(sse({ content: a.content ?? "" }));
    res.write(sse({}, "stop"));
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

/** The numbers of the prompt's passages that contain `word`: a judge that prefers them. */
export function passagesWith(prompt: string, word: string): string[] {
  return [...prompt.matchAll(/^\[(\d+)\] (.*)$/gm)]
    .filter((m) => m[2]?.includes(word))
    .map((m) => m[1] as string);
}
