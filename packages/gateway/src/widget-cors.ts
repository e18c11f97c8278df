import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { VISITOR_HEADER } from "./auth.ts";

/**
 * CORS for the routes the chat widget calls from the page it is embedded in (another origin).
 * Any origin is reflected: the widget authenticates with a bearer key, never a cookie, so no
 * credentials are allowed and a foreign page gains nothing it could not do with curl; a key that
 * lists its origins is refused (403) from other pages by GatewayAuth. Preflights (OPTIONS) are
 * answered here with 204, before any auth.
 */
export function widgetCors(methods: readonly string[] = ["GET", "POST"]): MiddlewareHandler {
  return cors({
    origin: (origin) => origin || null,
    allowMethods: [...methods],
    allowHeaders: ["authorization", "content-type", VISITOR_HEADER, "last-event-id", "idempotency-key"],
    exposeHeaders: [
      "x-request-id",
      "retry-after",
      "x-ratelimit-limit-requests",
      "x-ratelimit-remaining-requests",
      "x-ratelimit-limit-tokens",
      "x-ratelimit-remaining-tokens",
    ],
    maxAge: 600,
  });
}
