import { AuthenticationError, InvalidRequestError, PermissionDeniedError } from "@seekdesk/core";
import type { Context, MiddlewareHandler } from "hono";
import { clientBucket, type FailedKeyWatch } from "./keys/failed-keys.ts";
import { type ApiKeyRecord, type ApiKeyStore, toOrigin } from "./keys/key-store.ts";
import type { KeyBudget, RateLimiter } from "./keys/limiter.ts";

const NO_BUDGET: KeyBudget = Object.freeze({ requests: null, tokens: null });

/**
 * Who is calling. `anonymous` only happens while no key was ever created (loopback-only server).
 * `widget` is a visitor of a web page holding a widget-scoped key: an untrusted customer whose id
 * is the visitor id the widget sends (see VISITOR_HEADER).
 */
export type Principal =
  | { kind: "key"; id: string; key: ApiKeyRecord }
  | {
      kind: "widget";
      /** `visitor:<visitor id>`: a namespace of its own, so a public widget key can never claim an id that an integration gave a real customer. */
      id: string;
      /** The id as the widget sent it. */
      visitor: string;
      key: ApiKeyRecord;
    }
  | { kind: "session"; id: string; roles: readonly string[] }
  | { kind: "anonymous"; id: "anonymous" };

/**
 * The widget's visitor id, required with a widget key. The widget makes it up (a random UUID kept
 * in localStorage) and it is a bearer capability: whoever knows it is that visitor, hence the
 * minimum length.
 */
/** Prefix of widget visitors' user ids. */
export const VISITOR_PREFIX = "visitor:";

/**
 * Prefix of console accounts' user ids when they act as customers (trying the bot from the
 * console's chat page): like visitors, a namespace of their own, so an account named like a
 * customer of an integration ("vera") never reads that customer's conversations.
 */
export const ACCOUNT_PREFIX = "account:";

/**
 * The customer a caller is when it acts as one: `account:<username>` for a console session,
 * `visitor:<id>` for a widget visitor, the principal's id otherwise (keys and the keyless
 * loopback caller are trusted and name their customers).
 */
export function customerIdOf(p: Principal): string {
  return p.kind === "session" ? `${ACCOUNT_PREFIX}${p.id}` : p.id;
}

export const VISITOR_HEADER = "x-seekdesk-visitor";
const VISITOR_ID = /^[A-Za-z0-9_:.-]{16,200}$/;

export interface AuthOptions {
  /** Admit widget-scoped keys (as `widget` principals). Only the customer conversation routes do. */
  widget?: boolean;
}

/**
 * A plugin-provided way to recognise a caller, e.g. the console's session cookie. It returns
 * null when the request does not carry its credential, so the next verifier (or the API key) runs.
 */
export type PrincipalVerifier = (c: Context) => Principal | null | Promise<Principal | null>;

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
    requestId: string;
  }
}

/** Reads `Authorization: Bearer <key>` (or `x-api-key`, as some SDKs send). */
export function bearerToken(header: string | undefined | null, apiKeyHeader?: string | null): string | null {
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) return m[1].trim();
  }
  return apiKeyHeader ? apiKeyHeader.trim() : null;
}

/**
 * Authentication shared by the OpenAI routes, gRPC and every plugin. Plugins call
 * `requireAuth()` on their routes; the console adds a session verifier with `addVerifier`.
 */
export class GatewayAuth {
  private readonly verifiers: PrincipalVerifier[] = [];
  private signInRequired: () => boolean | Promise<boolean> = () => false;
  private failedKeys: FailedKeyWatch | null = null;

  /** Told of each request a key was admitted for and the tokens charged to it (the gateway's per-key metrics). */
  usage: { admitted(keyId: string): void; charged(keyId: string, tokens: number): void } | null = null;

  constructor(
    readonly keys: ApiKeyStore,
    readonly limiter: RateLimiter,
  ) {}

  addVerifier(v: PrincipalVerifier): void {
    this.verifiers.push(v);
  }

  /**
   * Who decides whether an anonymous caller (no keys exist yet) may pass `requireRoles`: the
   * console registers "once an account exists, everyone signs in". Without one, the install is open.
   */
  setSignInRequired(predicate: () => boolean | Promise<boolean>): void {
    this.signInRequired = predicate;
  }

  /**
   * Counts refused API keys and, with a throttle, refuses (429) a client address that sent too many
   * invalid ones before its next key is even looked up. The gateway sets it from server.authThrottle.
   */
  watchFailedKeys(watch: FailedKeyWatch): void {
    this.failedKeys = watch;
  }

  /**
   * Whether a caller with neither a key nor a session gets in (as `anonymous`) on `requireAuth`
   * routes: only while no key exists. The console's chat page asks, so a visitor on a keyed install
   * is told to use the site's widget (or, for staff, to sign in) instead of meeting a 401.
   */
  anonymousAllowed(): boolean {
    return !this.keys.enforced();
  }

  /**
   * Resolves an API key (from HTTP headers or gRPC metadata); throws 401 when required and bad.
   * A widget-scoped key is refused (403): callers without an HTTP request (gRPC) never admit one.
   * `client` is the caller's address, for the failed-key throttle (gRPC: the socket's peer).
   */
  async principalForKey(token: string | null, client: string | null = null): Promise<Principal> {
    const key = await this.keyFor(token, client);
    if (!key) return { kind: "anonymous", id: "anonymous" };
    if (key.scope === "widget") throw widgetScopeError();
    return { kind: "key", id: key.id, key };
  }

  /**
   * Resolves the caller of an HTTP request: plugin verifiers first, then the API key. A widget key
   * yields a `widget` principal when `opts.widget` allows it, else 403. A key with allowed origins
   * is refused (403) from a browser page on any other origin.
   */
  async authenticate(c: Context, opts: AuthOptions = {}): Promise<Principal> {
    for (const v of this.verifiers) {
      const p = await v(c);
      if (p) return p;
    }
    const watch = this.failedKeys;
    const client = watch?.throttle && this.keys.enforced() ? watch.clientIp(c) : null;
    const found = this.keyFor(bearerToken(c.req.header("authorization"), c.req.header("x-api-key")), client);
    const key = found instanceof Promise ? await found : found;
    if (!key) return { kind: "anonymous", id: "anonymous" };
    if (key.scope === "widget" && !opts.widget) throw widgetScopeError();
    const origin = c.req.header("origin");
    if (key.origins && origin !== undefined && !key.origins.includes(toOrigin(origin) ?? origin))
      throw new PermissionDeniedError(
        `This key may not be used from the origin ${origin}; allowed: ${key.origins.join(", ")}`,
        "origin_not_allowed",
      );
    if (key.scope === "api") return { kind: "key", id: key.id, key };
    const visitor = c.req.header(VISITOR_HEADER);
    if (!visitor)
      throw new AuthenticationError(
        `A widget key needs the ${VISITOR_HEADER} header: the visitor id the widget keeps for this browser`,
        "visitor_required",
      );
    if (!VISITOR_ID.test(visitor))
      throw new InvalidRequestError(
        `Invalid ${VISITOR_HEADER}: expected 16 to 200 characters of letters, digits and _ : . -`,
        VISITOR_HEADER,
        "invalid_visitor_id",
      );
    return { kind: "widget", id: `${VISITOR_PREFIX}${visitor}`, visitor, key };
  }

  /**
   * The active key for `token`; null while keys are not enforced; 401 when missing or bad; 429
   * while `client` is throttled for invalid keys. A promise only when the key store has to ask
   * Postgres (not cached yet, or expired).
   */
  private keyFor(
    token: string | null,
    client: string | null,
  ): ApiKeyRecord | null | Promise<ApiKeyRecord | null> {
    // With no keys, any token is accepted: SDKs always send one (often a placeholder), and the
    // server only listens on loopback (or was started with --insecure).
    if (!this.keys.enforced()) return null;
    const watch = this.failedKeys;
    if (!token) {
      watch?.onFailure("missing_key", client);
      throw new AuthenticationError("Missing API key: send Authorization: Bearer <key>");
    }
    const throttle = watch?.throttle;
    if (!watch || !throttle || client === null) return this.verifiedKey(token, null, null);
    const bucket = clientBucket(client);
    // Before the lookup: a refused guess costs neither a hash nor a cache slot nor a query.
    let checked: void | Promise<void>;
    try {
      checked = throttle.check(bucket);
    } catch (err) {
      watch.onFailure("throttled", client);
      throw err;
    }
    if (checked instanceof Promise)
      return checked.then(
        () => this.verifiedKey(token, client, bucket),
        (err: unknown) => {
          watch.onFailure("throttled", client);
          throw err;
        },
      );
    return this.verifiedKey(token, client, bucket);
  }

  private verifiedKey(
    token: string,
    client: string | null,
    bucket: string | null,
  ): ApiKeyRecord | Promise<ApiKeyRecord> {
    const key = this.keys.verify(token);
    if (key instanceof Promise) return key.then((k) => this.validKey(k, client, bucket));
    return this.validKey(key, client, bucket);
  }

  /** The key, or 401 after counting the failure against the client's address. */
  private validKey(
    key: ApiKeyRecord | null,
    client: string | null,
    bucket: string | null,
  ): ApiKeyRecord | Promise<never> {
    if (key) {
      this.keys.noteUse(key.id);
      return key;
    }
    const err = new AuthenticationError("Invalid, revoked or expired API key");
    const watch = this.failedKeys;
    const counted = bucket !== null ? watch?.throttle?.fail(bucket) : undefined;
    if (counted instanceof Promise)
      return counted.then((f) => {
        watch?.onFailure("invalid_key", client, f.count);
        throw err;
      });
    watch?.onFailure("invalid_key", client, counted?.count);
    throw err;
  }

  /**
   * Throws unless `p` may use a route meant for `roles`: a session must hold one of them; an API
   * key (scope api) is a server-to-server integration and passes; the anonymous caller passes only
   * while sign-in is not required (setSignInRequired); a widget visitor only with `opts.widget`.
   */
  async checkRoles(p: Principal, roles: readonly string[], opts: AuthOptions = {}): Promise<void> {
    if (p.kind === "session") {
      if (!p.roles.some((r) => roles.includes(r)))
        throw new PermissionDeniedError(`This action needs the role ${roles.join(" or ")}`);
    } else if (p.kind === "anonymous") {
      if (await this.signInRequired())
        throw new AuthenticationError("Sign in to the console first", "not_signed_in");
    } else if (p.kind === "widget" && !opts.widget) {
      throw widgetScopeError();
    }
  }

  /**
   * Applies the per-key request limit and says what is left (null: no limit); sessions and
   * anonymous callers have none here. Async only when the limiter's store is remote (Redis).
   */
  admit(p: Principal): KeyBudget | Promise<KeyBudget> {
    if (p.kind !== "key" && p.kind !== "widget") return NO_BUDGET;
    const id = p.key.id;
    const left = this.limiter.admit(p.key);
    if (left instanceof Promise)
      return left.then((l) => {
        this.usage?.admitted(id);
        return l;
      });
    this.usage?.admitted(id);
    return left;
  }

  charge(p: Principal, tokens: number): void {
    if (p.kind !== "key" && p.kind !== "widget") return;
    this.limiter.charge(p.key, tokens);
    this.usage?.charged(p.key.id, tokens);
  }

  /**
   * Middleware: authenticates, applies per-key limits, and sets `c.get("principal")`. Widget keys
   * are refused (403) unless `{ widget: true }`: only the customer conversation routes say so.
   */
  requireAuth(opts: AuthOptions = {}): MiddlewareHandler {
    return this.guard(opts, null);
  }

  /**
   * Middleware: `requireAuth` plus a role check (see `checkRoles`), e.g. `requireRoles(["admin"])`
   * on a route that changes settings, `requireRoles(["admin", "agent", "viewer"])` on one that reads.
   */
  requireRoles(roles: readonly string[], opts: AuthOptions = {}): MiddlewareHandler {
    return this.guard(opts, roles);
  }

  private guard(opts: AuthOptions, roles: readonly string[] | null): MiddlewareHandler {
    return async (c, next) => {
      const p = await this.authenticate(c, opts);
      if (roles) await this.checkRoles(p, roles, opts);
      const admitted = this.admit(p);
      const left = admitted instanceof Promise ? await admitted : admitted;
      c.set("principal", p);
      await next();
      if (p.kind === "key" || p.kind === "widget") {
        const h = c.res.headers;
        if (p.key.rpm !== null && left.requests !== null) {
          h.set("x-ratelimit-limit-requests", String(p.key.rpm));
          h.set("x-ratelimit-remaining-requests", String(left.requests));
        }
        if (p.key.tpm !== null && left.tokens !== null) {
          h.set("x-ratelimit-limit-tokens", String(p.key.tpm));
          h.set("x-ratelimit-remaining-tokens", String(left.tokens));
        }
      }
    };
  }
}

/**
 * Whether `p` may use the model known as `model` (its id and aliases): keys with a model list
 * name it by id or by any alias; everyone else (keys without a list, sessions) may use any.
 */
export function allowsModel(p: Principal, model: { id: string; aliases: readonly string[] }): boolean {
  const allowed = p.kind === "key" || p.kind === "widget" ? p.key.models : null;
  return allowed === null || allowed.includes(model.id) || model.aliases.some((a) => allowed.includes(a));
}

/** 403 unless `p` may use `model` (see allowsModel); `asked` is the name the client sent. */
export function requireModelAccess(
  p: Principal,
  model: { id: string; aliases: readonly string[] },
  asked: string,
): void {
  if (!allowsModel(p, model))
    throw new PermissionDeniedError(
      `This API key may not use the model '${asked}'`,
      "model_not_allowed",
      "model",
    );
}

function widgetScopeError(): PermissionDeniedError {
  return new PermissionDeniedError(
    "This key is scoped to the chat widget: it opens only the customer conversation routes",
    "permission_denied",
  );
}
