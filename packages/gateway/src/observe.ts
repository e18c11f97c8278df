import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { GatewayMetrics } from "./metrics.ts";

/**
 * What the request log line and the request metrics need. Streaming handlers call `defer()` and
 * then `finish()` when the last byte is written, so the duration covers the whole stream.
 */
export interface RequestTrace {
  /** performance.now() when the request arrived: time to first token counts from here. */
  startedAt: number;
  model: string;
  /** Token counts of a generation, for the log line (never the text). */
  usage?: { promptTokens: number; completionTokens: number };
  deferred: boolean;
  /** The handler's response already carries the X-Request-Id header (see jsonResponse). */
  idInHeaders: boolean;
  defer(): void;
  finish(status: number, extra?: Record<string, unknown>): void;
}

declare module "hono" {
  interface ContextVariableMap {
    trace: RequestTrace;
  }
}

const INBOUND_ID = /^[\w.:-]{1,128}$/;

/**
 * Request ids, one JSON log line per request and the request counters, in one middleware to keep
 * the per-request overhead to a few microseconds. Log lines carry sizes, ids and the client's
 * address (`client`, under server.trustProxy), never prompts.
 */
export function observe(
  metrics: GatewayMetrics,
  logger: Logger,
  clientIp: (c: Context) => string | null,
): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const inbound = c.req.header("x-request-id");
    const requestId = inbound && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    c.set("requestId", requestId);
    let done = false;
    const trace: RequestTrace = {
      startedAt: started,
      model: "",
      deferred: false,
      idInHeaders: false,
      defer() {
        trace.deferred = true;
      },
      finish(status, extra) {
        if (done) return;
        done = true;
        // After next(), routeIndex points at the handler that answered (not at later catch-alls).
        const matched = routePath(c);
        // Unmatched paths (404s, static files) share one label so scanners cannot inflate cardinality.
        const route = matched === "/*" ? "other" : matched;
        const seconds = (performance.now() - started) / 1000;
        const model = trace.model || "none";
        metrics.requests.inc({ route, model, status: String(status) });
        metrics.requestDuration.observe({ route, model }, seconds);
        if (logger.isLevelEnabled("info")) {
          const client = clientIp(c);
          logger.info(
            {
              requestId,
              ...(client === null ? {} : { client }),
              method: c.req.method,
              route,
              status,
              ms: Math.round(seconds * 10000) / 10,
              ...(trace.model ? { model: trace.model } : {}),
              ...(trace.usage
                ? { promptTokens: trace.usage.promptTokens, completionTokens: trace.usage.completionTokens }
                : {}),
              ...extra,
            },
            "request",
          );
        }
      },
    };
    c.set("trace", trace);
    await next();
    if (!trace.idInHeaders) c.res.headers.set("x-request-id", requestId);
    if (!trace.deferred) trace.finish(c.res.status);
  };
}

/**
 * A JSON answer with the request id among its headers from the start. Setting the header on
 * c.res afterwards makes @hono/node-server turn its plain-object headers into a Headers object
 * and back, a visible share of a small request's CPU in profiles.
 */
export function jsonResponse(c: Context, body: unknown, status = 200): Response {
  c.get("trace").idInHeaders = true;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": c.get("requestId") },
  });
}
