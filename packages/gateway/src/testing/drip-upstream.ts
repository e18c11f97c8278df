import http from "node:http";
import type { AddressInfo } from "node:net";

export interface DripUpstream {
  /** Base URL including /v1. */
  url: string;
  /** Streams whose client left before the end. */
  clientAborts: number;
  /** Streams currently open. */
  open: number;
  close(): Promise<void>;
}

/**
 * A minimal OpenAI-compatible server on 127.0.0.1 that answers every chat completion with the
 * same tokens: at once (`intervalMs: 0`, the gateway benchmark's fixed-response peer) or one
 * token every `intervalMs` (a stream that is still running when a test cancels it or sends
 * SIGTERM). Non-streaming requests get the whole text in one JSON answer.
 */
export async function startDripUpstream(
  opts: { tokens?: number; intervalMs?: number; port?: number } = {},
): Promise<DripUpstream> {
  const tokens = opts.tokens ?? 3;
  const interval = opts.intervalMs ?? 0;
  const state: DripUpstream = { url: "", clientAborts: 0, open: 0, close: async () => {} };
  const fixed = JSON.stringify({
    id: "chatcmpl-fixed",
    object: "chat.completion",
    created: 1,
    model: "fixed",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "tok ".repeat(tokens) },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens },
  });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url?.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"object":"list","data":[{"id":"fixed","object":"model"}]}');
        return;
      }
      let stream = false;
      try {
        stream = JSON.parse(Buffer.concat(chunks).toString("utf8")).stream === true;
      } catch {
        // a non-JSON body gets the non-streaming answer
      }
      if (!stream) {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(fixed),
        });
        res.end(fixed);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      state.open++;
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      res.on("close", () => {
        state.open--;
        clearTimeout(timer);
        if (!res.writableFinished) state.clientAborts++;
      });
      const step = () => {
        if (res.destroyed) return;
        if (sent < tokens && interval > 0) {
          res.write(`data: {"choices":[{"index":0,"delta":{"content":"tok "}}]}\n\n`);
          sent++;
          timer = setTimeout(step, interval);
          return;
        }
        // Without a pace, the whole answer goes out in one write, like a fixed-response server.
        if (sent < tokens)
          res.write(`data: {"choices":[{"index":0,"delta":{"content":"tok "}}]}\n\n`.repeat(tokens - sent));
        res.write(`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`);
        res.write(
          `data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":${tokens},"total_tokens":${5 + tokens}}}\n\n`,
        );
        res.end("data: [DONE]\n\n");
      };
      step();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
