/** A minimal SSE reader for tests and benchmarks: fetch-based, so it can send Last-Event-ID. */
export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

export interface SseConnection {
  /** Resolves with the next event matching `pred` (earlier non-matching events are consumed). */
  next(pred?: (e: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Every event received so far, in order. */
  readonly received: SseMessage[];
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: ${res.status} ${await res.text()}`);
  const received: SseMessage[] = [];
  const queue: SseMessage[] = [];
  let waiter = null as (() => void) | null;
  let ended = false;
  void (async () => {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let idx = buf.indexOf("\n\n");
        while (idx >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          idx = buf.indexOf("\n\n");
          const msg: SseMessage = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") msg.event = value;
            else if (field === "id") msg.id = value;
            else if (field === "data") data.push(value);
          }
          if (data.length === 0 && msg.id === undefined) continue;
          msg.data = data.join("\n");
          received.push(msg);
          queue.push(msg);
          waiter?.();
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      waiter?.();
    }
  })();
  return {
    received,
    async next(pred = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift() as SseMessage;
          if (pred(e)) return e;
        }
        if (ended) throw new Error("SSE stream ended");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("SSE: no matching event in time");
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(t);
            waiter = null;
            resolve();
          };
        });
      }
    },
    close: () => controller.abort(),
  };
}
