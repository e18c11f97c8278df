import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { isAbsolute, resolve } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import {
  NotFoundError,
  RateLimitError,
  type SeekdeskConfig,
  StoreUnavailableError,
  UnavailableError,
  UserInputError,
} from "@seekdesk/core";
import {
  openPostgresDatabase,
  openSqlite,
  type PostgresDatabase,
  type SqliteDatabase,
} from "@seekdesk/store";
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import pino, { type Logger } from "pino";
import { GatewayAuth } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { compileTrustProxy, requestClientAddress, type TrustFn } from "./client-ip.ts";
import type { InferenceEngine } from "./engine.ts";
import { errorResponse } from "./errors.ts";
import { type GrpcGateway, startGrpc } from "./grpc/server.ts";
import { failedKeyThrottle } from "./keys/failed-keys.ts";
import type { ApiKeyStore } from "./keys/key-store.ts";
import { apiKeyStoreFromConfig } from "./keys/key-store-from-config.ts";
import { rateLimiterFromConfig } from "./keys/rate-limiter-from-config.ts";
import { GatewayMetrics } from "./metrics.ts";
import { observe } from "./observe.ts";
import { registerOpenAIRoutes } from "./openai/routes.ts";
import type { GatewayContext, GatewayPlugin } from "./plugin.ts";
import { registerPostgresPoolMetrics } from "./postgres-metrics.ts";
import { LiveRequests } from "./request-abort.ts";
import type { FailureThrottle } from "./throttle/failure-throttle.ts";
import { readTlsFiles } from "./tls.ts";

export interface GatewayOptions {
  config: SeekdeskConfig;
  engine: InferenceEngine;
  plugins?: readonly GatewayPlugin[];
  /** Defaults to JSON lines on stdout at config.logging.level. */
  logger?: Logger;
  /** Defaults to the SQLite file config.store.path under config.dataDir. */
  db?: SqliteDatabase;
  /**
   * With store.driver postgres, the handle every repository of the process shares; by default
   * the gateway opens one (store.url, store.poolSize) and closes it after the plugins.
   */
  postgres?: PostgresDatabase;
}

/** application_name of the server's Postgres connections: `SELECT * FROM pg_stat_activity WHERE application_name = 'seekdesk'`. */
export const POSTGRES_APPLICATION_NAME = "seekdesk";

export interface Listening {
  url: string;
  port: number;
  /** null when gRPC is off (server.grpcPort: null). */
  grpcPort: number | null;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

export function resolveDataPaths(config: SeekdeskConfig): { dataDir: string; sqlite: string } {
  const dataDir = resolve(config.dataDir);
  const sqlite = isAbsolute(config.store.path) ? config.store.path : resolve(dataDir, config.store.path);
  return { dataDir, sqlite };
}

const VERSION = "0.1.0";

/** The driver's own words for a log line (an AggregateError's are in its parts). */
function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0)
    return err.errors.map((e: unknown) => errorText(e)).join("; ");
  return err instanceof Error ? err.message : String(err);
}

/** Bind failures an operator can fix become one clear line instead of a stack trace. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number, flag: string): Error {
  if (err.code === "EADDRINUSE")
    return new UserInputError(
      `cannot listen on ${host}:${port}: the port is in use (choose another with ${flag})`,
    );
  if (err.code === "EACCES")
    return new UserInputError(
      `cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges)`,
    );
  if (err.code === "EADDRNOTAVAIL")
    return new UserInputError(
      `cannot listen on ${host}:${port}: no such address on this machine (check --host)`,
    );
  return err;
}

/**
 * The gateway: the OpenAI API, health/readiness/metrics, API keys, gRPC, and the plugins of the
 * other packages, around one InferenceEngine. `listen()` binds; `shutdown()` drains and closes
 * everything it opened (the engine included).
 */
export class Gateway {
  readonly app = new Hono();
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly auth: GatewayAuth;
  readonly keys: ApiKeyStore;
  readonly db: SqliteDatabase;
  /** The one Postgres pool and LISTEN connection of the process (store.driver postgres), else null. */
  readonly postgres: PostgresDatabase | null;
  readonly dataDir: string;
  private readonly trustProxy: TrustFn;
  private readonly ownsDb: boolean;
  private readonly ownsPostgres: boolean;
  private readonly plugins: readonly GatewayPlugin[];
  private readonly shutdownController = new AbortController();
  private readonly live = new LiveRequests();
  private readonly inflight = { count: 0, idle: null as (() => void) | null };
  private draining = false;
  private http: Server | null = null;
  private grpc: GrpcGateway | null = null;
  private registered: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  /** server.authThrottle (null: off); its counter may hold a Redis connection to close. */
  private authThrottle: FailureThrottle | null = null;

  constructor(readonly opts: GatewayOptions) {
    const { config, engine } = opts;
    this.logger = opts.logger ?? pino({ level: config.logging.level, base: { service: "seekdesk" } });
    const paths = resolveDataPaths(config);
    this.dataDir = paths.dataDir;
    this.trustProxy = compileTrustProxy(config.server.trustProxy);
    mkdirSync(this.dataDir, { recursive: true });
    this.ownsDb = opts.db === undefined;
    this.db = opts.db ?? openSqlite(paths.sqlite);
    this.ownsPostgres = config.store.driver === "postgres" && opts.postgres === undefined;
    this.postgres =
      config.store.driver !== "postgres"
        ? null
        : (opts.postgres ??
          openPostgresDatabase({
            url: config.store.url as string,
            poolSize: config.store.poolSize,
            acquireTimeoutMs: config.store.acquireTimeoutMs,
            applicationName: POSTGRES_APPLICATION_NAME,
          }));
    this.keys = apiKeyStoreFromConfig(config, this.db, this.logger, this.postgres);
    this.auth = new GatewayAuth(this.keys, rateLimiterFromConfig(config.rateLimits, this.logger));
    this.metrics = new GatewayMetrics({ load: engine.load ? () => engine.load?.() ?? [] : undefined });
    this.auth.usage = {
      admitted: (key) => this.metrics.keyRequests.inc({ key }),
      charged: (key, tokens) => this.metrics.keyTokens.inc({ key }, tokens),
    };
    if (this.postgres) registerPostgresPoolMetrics(this.metrics.registry, this.postgres);
    this.plugins = opts.plugins ?? [];
    this.buildCoreRoutes();
  }

  get fingerprint(): string {
    const ids = this.opts.engine
      .listModels()
      .map((m) => m.id)
      .sort()
      .join(",");
    return `fp_${createHash("sha256").update(`${VERSION}|${ids}`).digest("hex").slice(0, 10)}`;
  }

  /** Ready when the engine has loaded and warmed its models and every plugin is ready. */
  ready(): boolean {
    return !this.draining && this.opts.engine.ready() && this.plugins.every((p) => p.ready?.() ?? true);
  }

  private buildCoreRoutes(): void {
    const { app, metrics, logger, opts } = this;
    const { config, engine } = opts;
    const inflight = this.inflight;
    app.onError((err, c) => {
      // The client left while waiting (queue, non-streaming generation): its abort is no server
      // error. 499 (nginx's "client closed request") keeps it apart in metrics; nobody reads it.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      if (outgoing && (outgoing.destroyed || outgoing.socket?.destroyed)) {
        logger.info({ requestId: c.get("requestId") }, "client closed the request");
        return new Response(null, { status: 499 });
      }
      if (err instanceof RateLimitError) metrics.rateLimited.inc({ reason: err.code ?? "rate_limit" });
      const status = "status" in err && typeof err.status === "number" ? err.status : 500;
      if (err instanceof StoreUnavailableError)
        // An outage or a full pool: the client was told to retry; the cause says which.
        logger.warn(
          { requestId: c.get("requestId"), reason: err.reason, code: err.code, cause: errorText(err.cause) },
          "request refused: the store is unavailable",
        );
      else if (status >= 500) logger.error({ requestId: c.get("requestId"), err }, "request failed");
      return errorResponse(err);
    });
    app.notFound((c) =>
      errorResponse(new NotFoundError(`No route for ${c.req.method} ${c.req.path}`, "route_not_found")),
    );
    app.use("*", async (c, next) => {
      if (this.draining) {
        return errorResponse(new UnavailableError("The server is shutting down", "shutting_down"), {
          connection: "close",
        });
      }
      // Counted until the socket has written the last byte (or the client left), not until the
      // handler returns: a stream outlives its handler, and the drain must wait for its tail.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      if (outgoing) {
        inflight.count++;
        outgoing.once("close", () => this.settle());
      }
      await next();
    });
    this.authThrottle = failedKeyThrottle(config.server.authThrottle, config.rateLimits, logger);
    this.auth.watchFailedKeys({
      throttle: this.authThrottle,
      clientIp: (c) => this.clientIp(c),
      onFailure: (outcome, client, failures) => {
        metrics.authFailures.inc({ outcome });
        // Once per client and window, when it starts being refused; each 429 is in the access log.
        if (failures === config.server.authThrottle.maxFailures)
          logger.warn(
            { client, failures, windowMs: config.server.authThrottle.windowMs },
            "too many invalid API keys from one client; refusing its requests until the window ends",
          );
      },
    });
    app.use(
      "*",
      observe(metrics, logger, (c) => this.clientIp(c)),
    );
    if (config.server.cors.length > 0) {
      const origins = config.server.cors;
      app.use(
        "*",
        cors({
          origin: origins.includes("*") ? "*" : origins,
          exposeHeaders: ["X-Request-Id", "Retry-After"],
        }),
      );
    }
    app.get("/health", (c) => c.json({ status: "ok" }));
    app.get("/ready", (c) => {
      const ready = this.ready();
      return c.json(
        {
          status: ready ? "ready" : this.draining ? "draining" : "starting",
          models: engine.listModels().map((m) => m.id),
        },
        ready ? 200 : 503,
      );
    });
    app.get("/metrics", async (c) => {
      const text = await metrics.registry.metrics();
      return c.text(text, 200, { "content-type": metrics.registry.contentType });
    });
    registerOpenAIRoutes(app, {
      engine,
      metrics,
      auth: this.auth,
      logger,
      bodyLimit: config.server.bodyLimit,
      logPrompts: config.server.logPrompts,
      fingerprint: this.fingerprint,
      live: this.live,
    });
  }

  private settle(): void {
    this.inflight.count--;
    if (this.inflight.count === 0) this.inflight.idle?.();
  }

  /** The client's address under server.trustProxy (see client-ip.ts), worked out once per request. */
  clientIp(c: Context): string | null {
    const known = c.get("clientIp") as string | null | undefined;
    if (known !== undefined) return known;
    const ip = requestClientAddress(c, this.trustProxy);
    c.set("clientIp", ip);
    return ip;
  }

  /** The context handed to plugins. */
  get context(): GatewayContext {
    const bodyLimit = this.opts.config.server.bodyLimit;
    return {
      config: this.opts.config,
      engine: this.opts.engine,
      logger: this.logger,
      metrics: this.metrics.registry,
      dataDir: this.dataDir,
      db: this.db,
      postgres: this.postgres,
      auth: this.auth,
      readJson: (c, schema) => readJsonBody(c, schema, bodyLimit),
      clientIp: (c) => this.clientIp(c),
    };
  }

  /** Runs every plugin's register hook once, in order. listen() calls it; tests may call it for app.request(). */
  registerPlugins(): Promise<void> {
    this.registered ??= (async () => {
      await this.keys.open();
      const ctx = this.context;
      for (const p of this.plugins) {
        await p.register(this.app, { ...ctx, logger: this.logger.child({ plugin: p.name }) });
        this.logger.debug({ plugin: p.name }, "plugin registered");
      }
    })();
    return this.registered;
  }

  /** Binds HTTP (and gRPC unless server.grpcPort is null). Refuses a public address without API keys. */
  async listen(): Promise<Listening> {
    const { server } = this.opts.config;
    await this.keys.open();
    if (!isLoopback(server.host) && !this.keys.enforced() && !server.insecure) {
      throw new UserInputError(
        `refusing to listen on ${server.host} without API keys: create one with \`seekdesk keys create\` or pass --insecure`,
      );
    }
    const tls = server.tls ? readTlsFiles(server.tls) : null;
    await this.registerPlugins();
    const http = (
      tls
        ? createAdaptorServer({
            fetch: this.app.fetch,
            hostname: server.host,
            createServer: createHttpsServer,
            serverOptions: tls,
          })
        : createAdaptorServer({ fetch: this.app.fetch, hostname: server.host })
    ) as Server;
    // Bounds how long a client may take to send its request (not how long the answer may
    // stream): a slow-loris upload cannot hold a socket for long.
    http.requestTimeout = 60_000;
    http.keepAliveTimeout = 65_000;
    await new Promise<void>((ok, fail) => {
      http.once("error", (err: NodeJS.ErrnoException) =>
        fail(listenError(err, server.host, server.port, "--port")),
      );
      http.listen(server.port, server.host, () => {
        http.removeAllListeners("error");
        ok();
      });
    });
    this.http = http;
    const port = (http.address() as AddressInfo).port;
    let grpcPort: number | null = null;
    if (server.grpcPort !== null) {
      try {
        this.grpc = await startGrpc({
          host: server.host,
          port: server.grpcPort,
          engine: this.opts.engine,
          auth: this.auth,
          metrics: this.metrics,
          logger: this.logger,
          tls,
          fingerprint: this.fingerprint,
          shutdown: this.shutdownController.signal,
          isDraining: () => this.draining,
          inflight: {
            start: () => this.inflight.count++,
            end: () => this.settle(),
          },
        });
      } catch (err) {
        // Half-started is worse than not started: release the HTTP port too.
        http.close();
        this.http = null;
        throw err;
      }
      grpcPort = this.grpc.port;
    }
    const host = server.host.includes(":") && !server.host.startsWith("[") ? `[${server.host}]` : server.host;
    return { url: `${tls ? "https" : "http"}://${host}:${port}`, port, grpcPort };
  }

  /**
   * Stops accepting, lets in-flight requests and streams finish up to server.drainTimeoutMs,
   * aborts what is left, then closes plugins (reverse order), the engine and the databases.
   */
  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.draining = true;
      const deadline = this.opts.config.server.drainTimeoutMs;
      this.http?.close();
      this.http?.closeIdleConnections();
      this.grpc?.stopAccepting();
      if (this.inflight.count > 0) {
        this.logger.info({ inflight: this.inflight.count, deadlineMs: deadline }, "draining");
        await new Promise<void>((ok) => {
          const timer = setTimeout(ok, deadline);
          this.inflight.idle = () => {
            clearTimeout(timer);
            ok();
          };
        });
      }
      if (this.inflight.count > 0) {
        this.logger.warn({ inflight: this.inflight.count }, "drain deadline passed; aborting the rest");
        const reason = new UnavailableError("The server is shutting down", "shutting_down");
        this.shutdownController.abort(reason);
        this.live.abortAll(reason);
      }
      this.http?.closeAllConnections();
      await this.grpc?.close();
      for (const p of [...this.plugins].reverse()) {
        try {
          await p.close?.();
        } catch (err) {
          this.logger.error({ plugin: p.name, err }, "plugin close failed");
        }
      }
      await this.opts.engine.close();
      await this.authThrottle?.counter
        .close?.()
        .catch((err: unknown) => this.logger.warn({ err }, "failed API key counter close failed"));
      await this.auth.limiter
        .close?.()
        .catch((err: unknown) => this.logger.warn({ err }, "rate limiter close failed"));
      await this.keys
        .close()
        .catch((err: unknown) => this.logger.warn({ err }, "API key store close failed"));
      if (this.ownsDb) this.db.close();
      // Last: the plugins and the key store above were its users.
      if (this.ownsPostgres)
        await this.postgres
          ?.close()
          .catch((err: unknown) => this.logger.warn({ err }, "closing the Postgres pool failed"));
      this.logger.info("stopped");
    })();
    return this.closed;
  }
}
