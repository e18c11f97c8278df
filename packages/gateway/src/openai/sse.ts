import { toSeekdeskError } from "@seekdesk/core";

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

/** A payload already serialized to JSON text (the per-token fast path). */
export class SerializedChunk {
  constructor(readonly json: string) {}
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Proxies such as nginx buffer responses unless told not to; tokens must flow as they come.
  "x-accel-buffering": "no",
};

/**
 * Turns an async sequence of JSON payloads into an OpenAI-style SSE body (`data: {...}` lines
 * ending with `data: [DONE]`). Pull-based, so a slow client slows generation instead of
 * buffering it; `cancel` (client gone) reaches `onCancel`, which aborts the generation.
 * An error after the first byte can no longer change the status, so it is sent as an SSE event
 * with the OpenAI error body, as OpenAI does.
 */
export function sseBody(
  payloads: AsyncIterator<unknown>,
  hooks: { onCancel(): void; onEnd(error: unknown): void },
): ReadableStream<Uint8Array> {
  let finished = false;
  const end = (error: unknown) => {
    if (finished) return;
    finished = true;
    hooks.onEnd(error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await payloads.next();
        if (r.done) {
          controller.enqueue(DONE);
          controller.close();
          end(null);
          return;
        }
        const json = r.value instanceof SerializedChunk ? r.value.json : JSON.stringify(r.value);
        controller.enqueue(encoder.encode(`data: ${json}\n\n`));
      } catch (err) {
        if (finished) return;
        const e = toSeekdeskError(err);
        try {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(e.toJSON())}\n\n`));
          controller.close();
        } catch {
          // The stream was cancelled meanwhile; nothing left to tell the client.
        }
        end(err);
      }
    },
    async cancel() {
      hooks.onCancel();
      await payloads.return?.(undefined);
      end("client closed");
    },
  });
}
