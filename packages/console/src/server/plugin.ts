import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError, RateLimitError } from "@seekdesk/core";
import {
  FailureThrottle,
  type GatewayContext,
  type GatewayPlugin,
  KEY_SCOPES,
  toOrigin,
} from "@seekdesk/gateway";
import type { AccountRepository, ConversationStore, FeedbackRepository } from "@seekdesk/store";
import type { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { type AccountStore, openAccountStore, ROLES } from "./accounts.ts";
import { openFeedbackRepository, registerAnalyticsRoutes } from "./analytics/routes.ts";
import { emptyModelStats, type MetricJson, summariseModelMetrics } from "./models/model-stats.ts";
import { requireRole } from "./roles.ts";
import { serveFile } from "./static-files.ts";

export const SESSION_COOKIE = "sd_session";
const here = dirname(fileURLToPath(import.meta.url));
/** Where `npm run build -w @seekdesk/console` puts the app and the widget. */
export const DEFAULT_DIST = resolve(here, "../../dist");

const LoginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const NewAccount = z.object({
  username: z.string(),
  password: z.string(),
  role: z.enum(ROLES),
  displayName: z.string().max(100).optional(),
});
const AccountPatch = z.object({
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().optional(),
  displayName: z.string().max(100).optional(),
  password: z.string().optional(),
});
const NewKey = z.object({
  name: z.string().min(1).max(100),
  scope: z.enum(KEY_SCOPES).default("api"),
  /** Browser origins a key may be used from, e.g. ["https://shop.example.com"]; omitted: any. */
  origins: z
    .array(
      z.string().refine((o) => toOrigin(o) !== null, {
        message: "expected an origin: scheme://host[:port] without a path, e.g. https://shop.example.com",
      }),
    )
    .max(100)
    .optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** ISO 8601 time (with its offset) at which the key stops working; omitted: never. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Model ids or aliases the key may use on the OpenAI API and gRPC; omitted or empty: any. */
  models: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
});

/** A key's changes (PATCH /api/admin/keys/:id): absent fields stay, null clears (unlimited, any, never). */
const KeyChangesBody = z.object({
  name: z.string().min(1).max(100).optional(),
  rpm: z.number().int().positive().nullable().optional(),
  tpm: z.number().int().positive().nullable().optional(),
  origins: NewKey.shape.origins.unwrap().nullable().optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  models: NewKey.shape.models.unwrap().nullable().optional(),
});

/**
 * Failed sign-ins per username+address; slows password guessing without locking real users out
 * for long. Counted in the account store, so replicas share the count (N replicas do not allow N
 * times the guesses); the throttle itself is the gateway's, as for invalid API keys.
 */
function loginThrottle(repo: AccountRepository): FailureThrottle {
  return new FailureThrottle(
    {
      failures: (key, now) => repo.loginFailures(key, now),
      addFailure: (key, now, windowMs) => repo.addLoginFailure(key, now, windowMs),
      clearFailures: (key) => repo.clearLoginFailures(key),
    },
    { max: 10, windowMs: 5 * 60_000, message: "Too many failed sign-ins; try again later" },
  );
}

export interface ConsolePluginOptions {
  /** Built console folder (with app/ and widget/); defaults to the package's dist. */
  distDir?: string;
  /** The desk's conversation store, once the assistant plugin has opened it (analytics and feedback read it). */
  conversations?: () => ConversationStore | null;
  /**
   * The desk's ratings and intent verdicts, once the desk is registered: shared, so the desk's
   * user erasure removes what the analytics count. Without it the console opens its own.
   */
  feedback?: () => FeedbackRepository | null;
  /** Extra admin routes from other packages (intents, settings, analytics) that need the desk's services. */
  extend?: (app: Hono, ctx: GatewayContext, guard: ConsoleGuards) => void | Promise<void>;
}

export interface ConsoleGuards {
  admin: ReturnType<typeof requireRole>;
  agent: ReturnType<typeof requireRole>;
  viewer: ReturnType<typeof requireRole>;
  accounts: AccountStore;
}

/**
 * The console: sign-in with server-side sessions, accounts and API keys for admins, and the built
 * web app and widget as static files. Registered last so it never shadows an API route.
 */
export function consolePlugin(opts: ConsolePluginOptions = {}): GatewayPlugin & { guards?: ConsoleGuards } {
  const plugin: GatewayPlugin & { guards?: ConsoleGuards } = {
    name: "console",
    async register(app, ctx) {
      const accounts = await openAccountStore(ctx.config, ctx.db, ctx.postgres);
      const shared = opts.feedback?.() ?? null;
      const feedback =
        shared ??
        (await openFeedbackRepository(ctx).catch(async (err: unknown) => {
          await accounts.close();
          throw err;
        }));
      plugin.close = async () => {
        await accounts.close();
        // The desk closes what it shares.
        if (!shared) await feedback.close();
      };
      const throttle = loginThrottle(accounts.repo);
      ctx.auth.addVerifier((c) => {
        // Most requests (API keys, the widget) carry no session cookie: answer those without a promise.
        const token = getCookie(c, SESSION_COOKIE);
        if (!token) return null;
        return accounts
          .session(token)
          .then((session) =>
            session ? { kind: "session", id: session.account.username, roles: [session.account.role] } : null,
          );
      });
      const guards: ConsoleGuards = {
        admin: requireRole(ctx.auth, accounts, ["admin"]),
        agent: requireRole(ctx.auth, accounts, ["admin", "agent"]),
        viewer: requireRole(ctx.auth, accounts, ["admin", "agent", "viewer"]),
        accounts,
      };
      plugin.guards = guards;

      app.post("/api/auth/login", async (c) => {
        const body = await ctx.readJson(c, LoginBody);
        // Keyed by the client address under server.trustProxy, never by X-Forwarded-For as sent:
        // a client that could pick its address could dodge the count or lock out someone else's.
        const ip = ctx.clientIp(c);
        const who = `${body.username.toLowerCase()}|${ip ?? ""}`;
        try {
          await throttle.check(who);
        } catch (err) {
          // Only a refusal is a throttled sign-in; a store outage reaching the count is logged as one at the edge.
          if (err instanceof RateLimitError)
            ctx.logger.warn(
              { requestId: c.get("requestId"), username: body.username, ip },
              "sign-in throttled",
            );
          throw err;
        }
        const result = await accounts.login(body.username, body.password);
        if (!result) {
          ctx.logger.info({ requestId: c.get("requestId"), username: body.username, ip }, "sign-in failed");
          await throttle.fail(who);
          return c.json(
            {
              error: {
                message: "Wrong username or password",
                type: "authentication_error",
                code: "bad_credentials",
                param: null,
              },
            },
            401,
          );
        }
        await throttle.clear(who);
        setCookie(c, SESSION_COOKIE, result.token, {
          httpOnly: true,
          sameSite: "Lax",
          secure: c.req.url.startsWith("https:"),
          path: "/",
          maxAge: 12 * 60 * 60,
        });
        return c.json({ account: result.account });
      });
      app.post("/api/auth/logout", async (c) => {
        await accounts.logout(getCookie(c, SESSION_COOKIE));
        deleteCookie(c, SESSION_COOKIE, { path: "/" });
        return c.json({ ok: true });
      });
      app.get("/api/auth/me", async (c) => {
        const session = await accounts.session(getCookie(c, SESSION_COOKIE));
        if (!session) {
          return c.json(
            {
              error: {
                message: "Not signed in",
                type: "authentication_error",
                code: "not_signed_in",
                param: null,
              },
            },
            401,
          );
        }
        return c.json({ account: session.account });
      });

      // The chat page asks before it offers a visitor the chat: on a keyed install an anonymous
      // caller is refused (401), so the page explains instead and staff sign in to try the bot. It
      // says only what any 401 would reveal (whether a key exists), and opens nothing.
      app.get("/api/auth/chat-access", (c) => c.json({ anonymous: ctx.auth.anonymousAllowed() }));

      app.get("/api/admin/users", guards.admin, async (c) => c.json({ data: await accounts.list() }));
      app.post("/api/admin/users", guards.admin, async (c) => {
        const body = await ctx.readJson(c, NewAccount);
        return c.json(await accounts.create(body), 201);
      });
      app.patch("/api/admin/users/:id", guards.admin, async (c) => {
        const id = Number(c.req.param("id"));
        const body = await ctx.readJson(c, AccountPatch);
        if (body.password !== undefined) await accounts.setPassword(id, body.password);
        return c.json(await accounts.update(id, body));
      });
      app.delete("/api/admin/users/:id", guards.admin, async (c) => {
        await accounts.remove(Number(c.req.param("id")));
        return c.json({ ok: true });
      });

      app.get("/api/admin/keys", guards.admin, async (c) => c.json({ data: await ctx.auth.keys.list() }));
      app.post("/api/admin/keys", guards.admin, async (c) => {
        const body = await ctx.readJson(c, NewKey);
        const created = await ctx.auth.keys.create({
          name: body.name,
          rpm: body.rpm ?? null,
          tpm: body.tpm ?? null,
          scope: body.scope,
          origins: body.origins ?? null,
          expiresAt: body.expiresAt === undefined ? null : new Date(body.expiresAt),
          models: body.models ?? null,
        });
        return c.json({ ...created, scope: created.record.scope, origins: created.record.origins }, 201);
      });
      app.patch("/api/admin/keys/:id", guards.admin, async (c) => {
        const { expiresAt, ...rest } = await ctx.readJson(c, KeyChangesBody);
        const updated = await ctx.auth.keys.update(c.req.param("id"), {
          ...rest,
          ...(expiresAt === undefined ? {} : { expiresAt: expiresAt === null ? null : new Date(expiresAt) }),
        });
        if (!updated) throw new NotFoundError("No such key", "key_not_found");
        return c.json(updated);
      });
      app.post("/api/admin/keys/:id/rotate", guards.admin, async (c) => {
        const rotated = await ctx.auth.keys.rotate(c.req.param("id"));
        if (!rotated) throw new NotFoundError("No such key", "key_not_found");
        return c.json(rotated);
      });
      app.delete("/api/admin/keys/:id", guards.admin, async (c) => {
        if (!(await ctx.auth.keys.revoke(c.req.param("id"))))
          throw new NotFoundError("No such key", "key_not_found");
        return c.json({ ok: true });
      });

      // Who a ticket can be transferred to: active agents and admins, without anything private.
      app.get("/api/agents", guards.agent, async (c) =>
        c.json({
          data: (await accounts.list())
            .filter((a) => !a.disabled && (a.role === "agent" || a.role === "admin"))
            .map((a) => ({ username: a.username, displayName: a.displayName, role: a.role })),
        }),
      );

      app.get("/api/admin/models", guards.viewer, async (c) => {
        const load = new Map((ctx.engine.load?.() ?? []).map((l) => [l.model, l]));
        const stats = summariseModelMetrics(
          (await ctx.metrics.getMetricsAsJSON()) as unknown as MetricJson[],
        );
        return c.json({
          data: ctx.engine.listModels().map((m) => ({
            id: m.id,
            backend: m.kind,
            aliases: m.aliases,
            ready: ctx.engine.ready(),
            queueDepth: load.get(m.id)?.queued ?? 0,
            activeSequences: load.get(m.id)?.active ?? 0,
            stats: stats.get(m.id) ?? emptyModelStats(),
          })),
        });
      });

      registerAnalyticsRoutes(
        app,
        ctx,
        { viewer: guards.viewer, agent: guards.agent, customer: ctx.auth.requireAuth({ widget: true }) },
        opts.conversations ?? (() => null),
        feedback,
      );
      await opts.extend?.(app, ctx, guards);

      const dist = opts.distDir ?? DEFAULT_DIST;
      const appDir = resolve(dist, "app");
      const widgetDir = resolve(dist, "widget");
      app.get("/widget.js", (c) => {
        c.header("access-control-allow-origin", "*");
        return (
          serveFile(c, widgetDir, "widget.js") ??
          c.text("The widget is not built: npm run build -w @seekdesk/console", 404)
        );
      });
      app.get("/*", (c) => {
        const path = new URL(c.req.url).pathname;
        if (path.startsWith("/api/") || path.startsWith("/v1/")) {
          throw new NotFoundError(`No route for ${c.req.method} ${path}`, "route_not_found");
        }
        if (!existsSync(appDir)) {
          return c.text("The console is not built yet: run `npm run build -w @seekdesk/console`.", 503);
        }
        return (
          serveFile(c, appDir, path === "/" ? "index.html" : path) ??
          serveFile(c, appDir, "index.html") ??
          c.notFound()
        );
      });
    },
  };
  return plugin;
}
