import http, { type ClientRequest, type IncomingMessage } from "node:http";
import https from "node:https";
import { InvalidRequestError, RateLimitError, TimeoutError, UpstreamError } from "@seekdesk/core";

/**
 * One upstream HTTP exchange with the three deadlines a streaming proxy needs. node:http rather
 * than fetch, because fetch cannot tell a slow TCP connect from a slow first byte.
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

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 512 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 512 }),
};

/**
 * An exchange in flight. `fail` is the single way it ends badly: it records why (the first
 * reason wins: a deadline, the caller's abort) and tears the request down. It destroys the
 * request itself rather than handing node:http an AbortSignal: that saves an AbortController
 * and the stream's abort listeners on every upstream call.
 */
export class Exchange {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onOuterAbort: () => void;
  private req: ClientRequest | undefined;
  reason: unknown;

  constructor(
    private readonly outer: AbortSignal,
    private readonly label: string,
  ) {
    this.onOuterAbort = () => this.fail(outer.reason ?? new DOMException("aborted", "AbortError"));
    if (outer.aborted) this.onOuterAbort();
    else outer.addEventListener("abort", this.onOuterAbort, { once: true });
  }

  /** The request that `fail` tears down (send() attaches it). */
  attach(req: ClientRequest): void {
    this.req = req;
  }

  deadline(ms: number, what: string): () => void {
    const t = setTimeout(() => this.fail(new TimeoutError(`${this.label}: no ${what} within ${ms} ms`)), ms);
    t.unref();
    this.timers.push(t);
    return () => clearTimeout(t);
  }

  fail(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    // Destroying the request destroys its response too: a pending read rejects, and errorFor()
    // turns whatever node:http reports into this reason.
    this.req?.destroy(reason instanceof Error ? reason : new Error(String(reason)));
  }

  /** The error to surface for a low-level failure: the recorded reason if any, else the cause. */
  errorFor(cause: unknown): unknown {
    if (this.reason !== undefined) return this.reason;
    if (cause instanceof UpstreamError || cause instanceof TimeoutError) return cause;
    const msg = cause instanceof Error ? cause.message : String(cause);
    return new UpstreamError(`${this.label}: ${msg}`, cause);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.outer.removeEventListener("abort", this.onOuterAbort);
  }
}

/**
 * Where an upstream lives, parsed once per backend: building a URL and converting it to request
 * options on every call was a measurable share of the proxy's per-request CPU.
 */
export interface UpstreamTarget {
  https: boolean;
  hostname: string;
  port: number;
  /** The base URL's path without a trailing slash, e.g. `/v1`. */
  basePath: string;
}

export function upstreamTarget(baseUrl: string): UpstreamTarget {
  const url = new URL(baseUrl);
  const https = url.protocol === "https:";
  return {
    https,
    // URL keeps IPv6 literals bracketed; node:http wants them bare.
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port ? Number(url.port) : https ? 443 : 80,
    basePath: url.pathname.replace(/\/+$/, "") + url.search,
  };
}

export interface SendOptions {
  method: "GET" | "POST";
  target: UpstreamTarget;
  /** Appended to the target's base path, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sends the request and resolves with the response once headers arrive (any status). */
export function send(ex: Exchange, opts: SendOptions, connectMs: number): Promise<IncomingMessage> {
  if (ex.reason !== undefined) return Promise.reject(ex.reason);
  return new Promise((resolve, reject) => {
    const { target } = opts;
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers["content-length"] = Buffer.byteLength(opts.body);
    const req = (target.https ? https : http).request({
      method: opts.method,
      hostname: target.hostname,
      port: target.port,
      path: target.basePath + opts.path,
      headers,
      agent: target.https ? agents.https : agents.http,
    });
    ex.attach(req);
    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      const clear = ex.deadline(connectMs, "connection");
      socket.once("connect", clear);
    });
    req.on("response", resolve);
    req.on("error", (err) => reject(ex.errorFor(err)));
    req.end(opts.body);
  });
}

export async function readText(res: IncomingMessage, ex: Exchange, limitBytes = 8 << 20): Promise<string> {
  res.setEncoding("utf8");
  let text = "";
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      text += chunk;
      if (text.length > limitBytes) throw new UpstreamError(`upstream body exceeds ${limitBytes} bytes`);
    }
  } catch (err) {
    throw ex.errorFor(err);
  }
  if (ex.reason !== undefined) throw ex.reason;
  return text;
}

/** Maps a non-2xx upstream answer to our typed errors, keeping the upstream status and message. */
export async function errorFromResponse(res: IncomingMessage, ex: Exchange, label: string): Promise<Error> {
  const status = res.statusCode ?? 0;
  let message = res.statusMessage ?? "";
  try {
    const body = await readText(res, ex, 64 << 10);
    message = upstreamMessage(body) ?? (body.trim().slice(0, 300) || message);
  } catch (err) {
    if (ex.reason !== undefined) return ex.reason as Error;
    void err;
  }
  const text = `${label} answered ${status}: ${message}`;
  if (status === 429) {
    const retryAfter = Number(res.headers["retry-after"]);
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
