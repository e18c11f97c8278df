/**
 * How other packages mount their HTTP routes into `seekdesk serve`.
 *
 * A plugin is an object with a name and a `register` hook (the vite plugin shape). `register`
 * runs once at start-up, before the server listens, in the order the plugins are listed in
 * packages/cli/src/serve-plugins.ts; it adds routes to the shared hono app and may keep what it
 * needs from the context. `close` runs on shutdown after in-flight requests have drained, in
 * reverse order. `ready` (optional) joins the `/ready` check, e.g. while an index is still loading.
 *
 * Routes: plugins own their paths (`/v1/conversations`, `/v1/knowledge`, `/api/...`, and the
 * console's static files at `/`). The gateway's own paths (`/v1/chat/completions`,
 * `/v1/completions`, `/v1/embeddings`, `/v1/models`, `/health`, `/ready`, `/metrics`) are
 * registered first and win.
 *
 * Errors: throw the typed errors of @seekdesk/core (InvalidRequestError, NotFoundError, ...);
 * the gateway maps them to the OpenAI error shape and status. Use `ctx.readJson(c, schema)` to
 * parse a body with the size limit and zod validation giving a 400 that names the field.
 *
 * Auth: put `ctx.auth.requireAuth()` in front of routes that need an API key (or, once the
 * console adds a verifier with `ctx.auth.addVerifier`, a session); the caller is then
 * `c.get("principal")`. Use `ctx.auth.requireRoles(["admin"])` (or `["admin", "agent", "viewer"]`
 * for reading) where a console role is needed: sessions need the role, API keys pass. Widget keys
 * (public, in web pages) are refused unless a route opts in with `{ widget: true }`, as only the
 * customer conversation routes do (with `widgetCors()` for the embedding page). Every request
 * already has `c.get("requestId")` and an X-Request-Id response header.
 *
 * Example:
 * ```ts
 * export const helloPlugin: GatewayPlugin = {
 *   name: "hello",
 *   register(app, ctx) {
 *     app.get("/v1/hello", ctx.auth.requireAuth(), (c) => c.json({ hello: c.get("principal").id }));
 *   },
 * };
 * ```
 */
import type { SeekdeskConfig } from "@seekdesk/core";
import type { PostgresDatabase, SqliteDatabase } from "@seekdesk/store";
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { z } from "zod";
import type { GatewayAuth } from "./auth.ts";
import type { InferenceEngine } from "./engine.ts";

export interface GatewayContext {
  /** The validated configuration; `config.assistant` and `config.knowledge` are the plugins' own sections. */
  readonly config: SeekdeskConfig;
  /** The model layer: chat, completions and embeddings by model id, with queues and failover. */
  readonly engine: InferenceEngine;
  /** The structured logger (pino); children carry the plugin name. Never log prompt text unless `config.server.logPrompts`. */
  readonly logger: Logger;
  /** The Prometheus registry served at /metrics; register plugin metrics here. */
  readonly metrics: Registry;
  /** Absolute path of the data directory (exists). */
  readonly dataDir: string;
  /** The shared SQLite database (WAL). Each package migrates its own `domain` with migrateSqlite. */
  readonly db: SqliteDatabase;
  /**
   * With store.driver postgres: the process's one Postgres pool (store.poolSize connections) and
   * one LISTEN connection. Open repositories on it (`openPostgres...(ctx.postgres)`), never on
   * `store.url`, and do not close it: the gateway does, after every plugin. Null on SQLite.
   */
  readonly postgres: PostgresDatabase | null;
  /** API keys, plugin verifiers (sessions) and per-key limits. */
  readonly auth: GatewayAuth;
  /** Reads a JSON body within the size limit and validates it; throws 400/413 naming the field. */
  readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>>;
  /**
   * The client's address: the socket's peer, or what trusted proxies (`server.trustProxy`) report
   * in X-Forwarded-For. The one place that reads a client address: never read the header
   * yourself, any client can set it. Null for in-process requests (`app.request()`).
   */
  clientIp(c: Context): string | null;
}

export interface GatewayPlugin {
  readonly name: string;
  register(app: Hono, ctx: GatewayContext): void | Promise<void>;
  /** Joins /ready: the server reports ready only when every plugin does. */
  ready?(): boolean;
  close?(): Promise<void>;
}
