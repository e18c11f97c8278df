import { AuthenticationError, PermissionDeniedError } from "@seekdesk/core";
import type { GatewayAuth, Principal } from "@seekdesk/gateway";
import type { MiddlewareHandler } from "hono";
import type { AccountStore, Role } from "./accounts.ts";

/**
 * Server-side role check for console routes. A signed-in session must hold one of `roles`. An API
 * key is a server-to-server integration and passes. With no accounts and no keys at all (a fresh,
 * loopback-only install) the console is open, so the first admin can look around before creating
 * accounts; once an account exists, everyone must sign in.
 */
export function requireRole(
  auth: GatewayAuth,
  accounts: AccountStore,
  roles: readonly Role[],
): MiddlewareHandler {
  return async (c, next) => {
    const p: Principal = await auth.authenticate(c);
    if (p.kind === "session") {
      if (!p.roles.some((r) => (roles as readonly string[]).includes(r))) {
        throw new PermissionDeniedError(`This action needs the role ${roles.join(" or ")}`);
      }
    } else if (p.kind === "anonymous" && accounts.count() > 0) {
      throw new AuthenticationError("Sign in to the console first", "not_signed_in");
    }
    auth.admit(p);
    c.set("principal", p);
    await next();
  };
}
