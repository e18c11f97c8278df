import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Context } from "hono";

/**
 * The cancellation signal of one generation: an ordinary EventTarget subclass with AbortSignal's
 * instance surface (aborted, reason, onabort, throwIfAborted, the "abort" event).
 *
 * Why not an AbortController: on Node 20 every AbortSignal gets a hidden class of its own (its
 * factory swaps the prototype of a plain EventTarget, then adds fields), and such signals, with
 * everything their listeners reach, survive young-generation collections (nodejs/node#55328; the
 * swap was gone from Node's main line by nodejs/node#52644). At 1000 proxied requests/s that was a
 * quarter of the ~2 KB per request every scavenge copied and promoted (docs/API.md, Performance).
 * 600 000 of these with a listener each take about a tenth of the time of native signals.
 *
 * It travels through our own engine interfaces, which only listen and read `aborted`/`reason`.
 * Node's `AbortSignal.any` and `fetch` read a native signal's internals, so they must be given
 * `native()` instead.
 */
export class RequestSignal extends EventTarget implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;
  private linked: AbortController | undefined;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** Aborts once; later calls keep the first reason, as AbortController does. */
  abort(reason: unknown = new DOMException("This operation was aborted", "AbortError")): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.linked?.abort(reason);
    const event = new Event("abort");
    this.onabort?.call(this, event);
    this.dispatchEvent(event);
  }

  /** A native AbortSignal that follows this one, for APIs that insist on one; made on first use. */
  native(): AbortSignal {
    if (!this.linked) {
      this.linked = new AbortController();
      if (this.aborted) this.linked.abort(this.reason);
    }
    return this.linked.signal;
  }
}

/**
 * Generations in flight, each with a signal that fires when its client disconnects or when the
 * drain deadline passes. Cheaper per request than AbortSignal.any over the request and shutdown
 * signals (which showed up at ~5% of the gateway's CPU in profiles).
 */
export class LiveRequests {
  private readonly live = new Set<RequestSignal>();

  /** A signal aborted when the client goes away before the response has finished. */
  open(c: Context): RequestSignal {
    const signal = new RequestSignal();
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing) {
      this.live.add(signal);
      outgoing.once("close", () => {
        this.live.delete(signal);
        if (!outgoing.writableFinished) signal.abort(new Error("client closed the connection"));
      });
    } else {
      // Not on a Node server (app.request in tests): follow the Request's own signal.
      const s = c.req.raw.signal;
      s.addEventListener("abort", () => signal.abort(s.reason), { once: true });
    }
    return signal;
  }

  /** Aborts every generation still running (the drain deadline has passed). */
  abortAll(reason: unknown): void {
    for (const signal of this.live) signal.abort(reason);
    this.live.clear();
  }
}

/** `chatcmpl-<32 hex>`: randomUUID draws from a cached entropy pool, unlike randomBytes per call. */
export function responseId(prefix: string): string {
  return prefix + randomUUID().replaceAll("-", "");
}
