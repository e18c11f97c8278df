import { StringDecoder } from "node:string_decoder";
import { InvalidRequestError, RateLimitError, TimeoutError, UpstreamError } from "@seekdesk/core";
import { type Dispatcher, Pool } from "undici";

/**
 * One upstream HTTP exchange with the three deadlines a streaming proxy needs, over undici's
 * dispatcher. undici rather than node:http: no ClientRequest, IncomingMessage or Readable per
 * call, and the body arrives as plain chunks; about 45 µs less CPU per proxied request in a
 * client-only test (docs/API.md, Performance). Not fetch, because fetch cannot tell a slow TCP
 * connect from a slow first byte.
 */
export interface Deadlines {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** Request sent → first event of the body (or the headers, for non-streaming calls). */
  firstTokenMs: number;
  /** The whole exchange. */
  totalMs: number;
}

export class UpstreamHttpError extends UpstreamError {
  readonly upstreamStatus: number;
  constructor(message: string, upstreamStatus: number) {
    super(message, undefined, "upstream_http_error");
    this.upstreamStatus = upstreamStatus;
  }
}

/**
 * Where an upstream lives, parsed once per backend: building a URL and converting it to request
 * options on every call was a measurable share of the proxy's per-request CPU.
 */
export interface UpstreamTarget {
  https: boolean;
  /** scheme://host:port, what the connection pool is keyed by. */
  origin: string;
  /** The base URL's path without a trailing slash, e.g. `/v1`. */
  basePath: string;
}

export function upstreamTarget(baseUrl: string): UpstreamTarget {
  const url = new URL(baseUrl);
  return {
    https: url.protocol === "https:",
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, "") + url.search,
  };
}

/**
 * Kept-alive connections to one upstream (one pool per backend, closed with it). The pool's own
 * header and body timeouts are off: the exchange keeps the first-token and total deadlines, so
 * a reasoning model may think quietly for as long as the operator allows.
 */
export class UpstreamPool {
  readonly pool: Pool;

  constructor(
    readonly target: UpstreamTarget,
    readonly connectMs: number,
  ) {
    this.pool = new Pool(target.origin, {
      connections: 512,
      pipelining: 1,
      connectTimeout: connectMs,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

export interface SendOptions {
  method: "GET" | "POST";
  /** Appended to the target's base path, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Read ahead of a consumer this far, then stop reading the socket until it catches up. */
const HIGH_WATER = 1 << 20;

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/**
 * An exchange in flight, and undici's handler for it. `fail` is the single way it ends badly: it
 * records why (the first reason wins: a deadline, the caller's abort), aborts the request and
 * rejects whoever is waiting. The body is handed over as text, everything that arrived since the
 * last read joined into one string: a burst of events read at once goes up as one batch.
 *
 * It implements undici's classic handler methods (onConnect, onHeaders, onData, onComplete,
 * onError), which undici's own request() uses: the newer controller-style ones are wrapped in an
 * adapter object per request.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onOuterAbort: () => void;
  private abortRequest: ((err?: Error) => void) | undefined;
  private resumeSocket: (() => void) | undefined;
  private headersWaiter: Waiter<void> | undefined;
  private bodyWaiter: Waiter<string | undefined> | undefined;
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private ended = false;
  private discarding = false;
  private paused = false;
  private connectMs = 0;
  /** Why the exchange failed; once set, every read throws it. */
  reason: unknown;
  statusCode = 0;
  statusMessage = "";
  private rawHeaders: Buffer[] | undefined;

  constructor(
    private readonly outer: AbortSignal,
    private readonly label: string,
  ) {
    this.onOuterAbort = () => this.fail(outer.reason ?? new DOMException("aborted", "AbortError"));
    if (outer.aborted) this.onOuterAbort();
    else outer.addEventListener("abort", this.onOuterAbort, { once: true });
  }

  deadline(ms: number, what: string): () => void {
    const t = setTimeout(() => this.fail(new TimeoutError(`${this.label}: no ${what} within ${ms} ms`)), ms);
    t.unref();
    this.timers.push(t);
    return () => clearTimeout(t);
  }

  /** Sends the request; resolves once the response headers arrive (any status). */
  send(up: UpstreamPool, opts: SendOptions): Promise<void> {
    if (this.reason !== undefined) return Promise.reject(this.reason);
    this.connectMs = up.connectMs;
    return new Promise((resolve, reject) => {
      this.headersWaiter = { resolve, reject };
      up.pool.dispatch(
        {
          method: opts.method,
          path: up.target.basePath + opts.path,
          headers: opts.headers,
          body: opts.body,
        },
        this,
      );
    });
  }

  /** The next piece of the body as text, or undefined at its end. Throws the failure, if any. */
  read(): Promise<string | undefined> {
    if (this.reason !== undefined) return Promise.reject(this.reason);
    if (this.pending !== "" || this.ended) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      this.bodyWaiter = { resolve, reject };
    });
  }

  /** A header of an error answer (names in lower case); success answers keep none. */
  header(name: string): string | undefined {
    const raw = this.rawHeaders;
    if (!raw) return undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].toString("latin1").toLowerCase() === name) return raw[i + 1].toString("latin1");
    }
    return undefined;
  }

  /**
   * The caller has what it needs (the stream said [DONE]): whatever else the body holds,
   * usually nothing, is read and dropped, so the connection goes back to the pool.
   */
  discardRest(): void {
    this.discarding = true;
    this.pending = "";
    this.resume();
  }

  fail(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    // Before onConnect the request is still queued in the pool: onConnect aborts it then.
    this.abortRequest?.(reason instanceof Error ? reason : new Error(String(reason)));
    this.settle(reason);
  }

  /** The error to surface for a low-level failure: the recorded reason if any, else the cause. */
  errorFor(cause: unknown): unknown {
    if (this.reason !== undefined) return this.reason;
    if (cause instanceof UpstreamError || cause instanceof TimeoutError) return cause;
    if ((cause as { code?: unknown } | null)?.code === "UND_ERR_CONNECT_TIMEOUT")
      return new TimeoutError(`${this.label}: no connection within ${this.connectMs} ms`);
    const msg = cause instanceof Error ? cause.message : String(cause);
    return new UpstreamError(`${this.label}: ${msg}`, cause);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.outer.removeEventListener("abort", this.onOuterAbort);
  }

  // undici's handler ------------------------------------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    if (this.reason !== undefined) abort(this.reason instanceof Error ? this.reason : undefined);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    this.statusCode = statusCode;
    this.statusMessage = statusText;
    // Only error answers are read for headers (retry-after). Keeping a success's header Buffers, views
    // into undici's socket chunk, showed up among what outlives a young-generation collection.
    if (statusCode >= 300) this.rawHeaders = rawHeaders;
    this.resumeSocket = resume;
    const w = this.headersWaiter;
    this.headersWaiter = undefined;
    w?.resolve();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding || this.reason !== undefined) return true;
    this.pending += this.decoder.write(chunk);
    const w = this.bodyWaiter;
    // (A chunk that ends inside a UTF-8 sequence may decode to nothing yet.)
    if (w !== undefined && this.pending !== "") {
      this.bodyWaiter = undefined;
      w.resolve(this.take());
      return true;
    }
    if (this.pending.length < HIGH_WATER) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    this.abortRequest = undefined;
    if (!this.discarding) this.pending += this.decoder.end();
    this.ended = true;
    const w = this.bodyWaiter;
    if (w !== undefined) {
      this.bodyWaiter = undefined;
      w.resolve(this.take());
    }
  }

  onError(err: Error): void {
    this.abortRequest = undefined;
    if (this.reason !== undefined) return;
    this.reason = this.errorFor(err);
    this.settle(this.reason);
  }

  // -------------------------------------------------------------------------------------------

  private take(): string | undefined {
    if (this.pending === "" && this.ended) return undefined;
    const text = this.pending;
    this.pending = "";
    this.resume();
    return text;
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeSocket?.();
  }

  private settle(reason: unknown): void {
    const h = this.headersWaiter;
    const b = this.bodyWaiter;
    this.headersWaiter = undefined;
    this.bodyWaiter = undefined;
    h?.reject(reason);
    b?.reject(reason);
  }
}

export async function readText(ex: Exchange, limitBytes = 8 << 20): Promise<string> {
  let text = "";
  for (;;) {
    const chunk = await ex.read();
    if (chunk === undefined) return text;
    text += chunk;
    if (text.length > limitBytes) throw new UpstreamError(`upstream body exceeds ${limitBytes} bytes`);
  }
}

/** Maps a non-2xx upstream answer to our typed errors, keeping the upstream status and message. */
export async function errorFromResponse(ex: Exchange, label: string): Promise<Error> {
  const status = ex.statusCode;
  let message = ex.statusMessage;
  try {
    const body = await readText(ex, 64 << 10);
    message = upstreamMessage(body) ?? (body.trim().slice(0, 300) || message);
  } catch (err) {
    if (ex.reason !== undefined) return ex.reason as Error;
    void err;
  }
  const text = `${label} answered ${status}: ${message}`;
  if (status === 429) {
    const retryAfter = Number(ex.header("retry-after"));
    return new RateLimitError(
      text,
      Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 1,
    );
  }
  // A request the upstream calls malformed is the client's to fix; retrying elsewhere won't help.
  if (status === 400 || status === 422)
    return new InvalidRequestError(text, null, "upstream_invalid_request");
  return new UpstreamHttpError(text, status);
}

function upstreamMessage(body: string): string | undefined {
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === "object") {
      const err = (json as { error?: unknown; message?: unknown }).error ?? json;
      if (typeof err === "string") return err;
      if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string") {
        return (err as { message: string }).message;
      }
    }
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return undefined;
}
