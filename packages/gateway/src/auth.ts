import { AuthenticationError } from "@seekdesk/core";
import type { Context, MiddlewareHandler } from "hono";
import type { ApiKeyRecord, ApiKeyStore } from "./keys/key-store.ts";
import type { KeyLimiter } from "./keys/limiter.ts";

/** Who is calling. `anonymous` only happens while no key was ever created (loopback-only server). */
export type Principal =
  | { kind: "key"; id: string; key: ApiKeyRecord }
  | { kind: "session"; id: string; roles: readonly string[] }
  | { kind: "anonymous"; id: "anonymous" };

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

  constructor(
    readonly keys: ApiKeyStore,
    readonly limiter: KeyLimiter,
  ) {}

  addVerifier(v: PrincipalVerifier): void {
    this.verifiers.push(v);
  }

  /** Resolves an API key (from HTTP headers or gRPC metadata); throws 401 when required and bad. */
  principalForKey(token: string | null): Principal {
    // With no keys, any token is accepted: SDKs always send one (often a placeholder), and the
    // server only listens on loopback (or was started with --insecure).
    if (!this.keys.enforced()) return { kind: "anonymous", id: "anonymous" };
    if (!token) throw new AuthenticationError("Missing API key: send Authorization: Bearer <key>");
    const key = this.keys.verify(token);
    if (key) return { kind: "key", id: key.id, key };
    throw new AuthenticationError("Invalid or revoked API key");
  }

  /** Resolves the caller of an HTTP request: plugin verifiers first, then the API key. */
  async authenticate(c: Context): Promise<Principal> {
    for (const v of this.verifiers) {
      const p = await v(c);
      if (p) return p;
    }
    return this.principalForKey(bearerToken(c.req.header("authorization"), c.req.header("x-api-key")));
  }

  /** Applies the per-key request limit; sessions and anonymous callers have none here. */
  admit(p: Principal): void {
    if (p.kind === "key") this.limiter.admit(p.key);
  }

  charge(p: Principal, tokens: number): void {
    if (p.kind === "key") this.limiter.charge(p.key, tokens);
  }

  /** Middleware: authenticates, applies per-key limits, and sets `c.get("principal")`. */
  requireAuth(): MiddlewareHandler {
    return async (c, next) => {
      const p = await this.authenticate(c);
      this.admit(p);
      c.set("principal", p);
      await next();
      if (p.kind === "key" && (p.key.rpm !== null || p.key.tpm !== null)) {
        const left = this.limiter.remaining(p.key);
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
