import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 whose behaviour a test scripts: answer,
 * fail, stall, or talk garbage. Used by the engine's tests and benchmarks (and the gateway's).
 */
export type UpstreamBehaviour =
  | { kind: "ok"; text?: string[]; reasoning?: string[]; usage?: boolean; toolCalls?: boolean }
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  | { kind: "stall" }
  | { kind: "headers-then-stall" }
  | { kind: "garbage" }
  | { kind: "cut-mid-stream" };

export interface LoopbackUpstream {
  url: string;
  /** Requests received, by path. */
  hits: { path: string; body: unknown }[];
  /** Requests whose client went away before the answer ended. */
  clientAborts: number;
  /** TCP connections accepted: a client that keeps connections alive opens one for many requests. */
  connections: number;
  setBehaviour(b: UpstreamBehaviour): void;
  close(): Promise<void>;
}

export async function startLoopbackUpstream(
  initial: UpstreamBehaviour = { kind: "ok" },
): Promise<LoopbackUpstream> {
  let behaviour = initial;
  const open = new Set<ServerResponse>();
  const state: LoopbackUpstream = {
    url: "",
    hits: [],
    clientAborts: 0,
    connections: 0,
    setBehaviour: (b) => {
      behaviour = b;
    },
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    state.hits.push({ path, body });
    open.add(res);
    res.on("close", () => {
      open.delete(res);
      if (!res.writableFinished) state.clientAborts++;
    });
    answer(behaviour, path, body, res);
  });
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

function answer(b: UpstreamBehaviour, path: string, body: unknown, res: ServerResponse): void {
  switch (b.kind) {
    case "stall":
      return;
    case "headers-then-stall":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      return;
    case "status":
      res.writeHead(b.status, { "content-type": "application/json", ...b.headers });
      res.end(b.body ?? JSON.stringify({ error: { message: `scripted ${b.status}`, type: "server_error" } }));
      return;
    case "garbage":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("data: {not json at all\n\n");
      return;
    case "cut-mid-stream":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(sse({ choices: [{ index: 0, delta: { content: "partial" } }] }));
      setImmediate(() => res.socket?.destroy());
      return;
    case "ok":
      answerOk(b, path, body, res);
      return;
  }
}

function answerOk(
  b: Extract<UpstreamBehaviour, { kind: "ok" }>,
  path: string,
  body: unknown,
  res: ServerResponse,
) {
  const req = (body ?? {}) as { model?: string; input?: string[]; stream?: boolean };
  if (path.endsWith("/models")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
    return;
  }
  if (path.endsWith("/embeddings")) {
    res.writeHead(200, { "content-type": "application/json" });
    const data = (req.input ?? []).map((s, index) => ({ index, embedding: [s.length, 1, 0] }));
    res.end(
      JSON.stringify({
        object: "list",
        data,
        usage: { prompt_tokens: data.length, total_tokens: data.length },
      }),
    );
    return;
  }
  const completions = path.endsWith("/completions") && !path.endsWith("/chat/completions");
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const r of b.reasoning ?? [])
    res.write(sse({ choices: [{ index: 0, delta: { reasoning_content: r } }] }));
  const text = b.text ?? ["Hello", ", world"];
  for (const t of text) {
    res.write(sse({ choices: [{ index: 0, ...(completions ? { text: t } : { delta: { content: t } }) }] }));
  }
  if (b.toolCalls) {
    res.write(
      sse({
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: "call_a", type: "function", function: { name: "get_order", arguments: "" } },
              ],
            },
          },
        ],
      }),
    );
    res.write(
      sse({
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] } }],
      }),
    );
    res.write(
      sse({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "42}" } }] } }] }),
    );
  }
  res.write(sse({ choices: [{ index: 0, delta: {}, finish_reason: b.toolCalls ? "tool_calls" : "stop" }] }));
  if (b.usage !== false)
    res.write(
      sse({
        choices: [],
        usage: { prompt_tokens: 7, completion_tokens: text.length, total_tokens: 7 + text.length },
      }),
    );
  res.end("data: [DONE]\n\n");
}

function sse(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const c of req) text += c;
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
