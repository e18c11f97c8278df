import type { GatewayAuth } from "@seekdesk/gateway";
import type { MiddlewareHandler } from "hono";
import type { AccountStore, Role } from "./accounts.ts";

/**
 * Server-side role check for console routes, over the gateway's `requireRoles` (which every plugin
 * uses). A signed-in session must hold one of `roles`. An API key is a server-to-server integration
 * and passes; a widget key never does. With no accounts and no keys at all (a fresh, loopback-only
 * install) the console is open, so the first admin can look around before creating accounts; once
 * an account exists, everyone must sign in: this registers that rule with the gateway.
 */
export function requireRole(
  auth: GatewayAuth,
  accounts: AccountStore,
  roles: readonly Role[],
): MiddlewareHandler {
  auth.setSignInRequired(async () => (await accounts.count()) > 0);
  return auth.requireRoles(roles);
}
