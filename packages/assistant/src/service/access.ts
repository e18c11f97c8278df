import { PermissionDeniedError } from "@seekdesk/core";
import { customerIdOf, type Principal } from "@seekdesk/gateway";
import type { Context } from "hono";

/**
 * Who may do what on the conversation API, decided in this one place. API keys are trusted
 * integrations (a shop backend, the chat widget's proxy) and may act for any customer or agent;
 * so may the anonymous caller of a loopback server without keys. A console session acts as
 * itself: an `agent` or `admin` works tickets, anyone else is a customer limited to their own
 * conversations and data, as `account:<username>`. A widget visitor (a widget-scoped key, which
 * is public) is such a customer too, as `visitor:<visitor id>`. Neither namespace can be claimed
 * by the other or collide with the customer ids integrations use.
 */
export interface Caller {
  id: string;
  /** May act for any customer (choose the userId) and read any conversation. */
  trusted: boolean;
  /** May see the queue and tickets. */
  canViewTickets: boolean;
  /** May accept, reply, transfer, close. */
  isAgent: boolean;
  /** An API key or the keyless loopback caller, acting for others; a console session acts as itself. */
  integration: boolean;
  /** Other spellings of `id` the caller may use for itself: a widget visitor's id as the widget sent it. */
  aliases?: readonly string[];
}

const isSelf = (caller: Caller, userId: string) =>
  userId === caller.id || (caller.aliases?.includes(userId) ?? false);

export function callerOf(c: Context): Caller {
  const p: Principal = c.get("principal");
  if (p.kind === "key" || p.kind === "anonymous")
    return { id: p.id, trusted: true, canViewTickets: true, isAgent: true, integration: true };
  if (p.kind === "widget")
    return {
      id: p.id,
      aliases: [p.visitor],
      trusted: false,
      canViewTickets: false,
      isAgent: false,
      integration: false,
    };
  const roles = p.roles;
  const isAgent = roles.includes("agent") || roles.includes("admin");
  return {
    // An agent acts (accepts, replies) as its username; anyone else is the customer account:<username>.
    id: isAgent ? p.id : customerIdOf(p),
    trusted: isAgent,
    canViewTickets: isAgent || roles.includes("viewer"),
    isAgent,
    integration: false,
  };
}

/** The customer a request acts for: a trusted caller may name one, others are themselves. */
export function customerId(caller: Caller, requested: string | undefined): string {
  if (caller.trusted) return requested ?? caller.id;
  if (requested !== undefined && !isSelf(caller, requested))
    throw new PermissionDeniedError("You can only act as yourself", "not_your_user");
  return caller.id;
}

/** null: no restriction (trusted); else the user whose conversations the caller may touch. */
export function conversationScope(caller: Caller): string | null {
  return caller.trusted ? null : caller.id;
}

export function requireAgent(caller: Caller): void {
  if (!caller.isAgent)
    throw new PermissionDeniedError("This action needs the agent role", "agent_role_required");
}

export function requireTicketViewer(caller: Caller): void {
  if (!caller.canViewTickets)
    throw new PermissionDeniedError("This needs the agent or viewer role", "agent_role_required");
}

/** A user's own data, or anyone's for trusted callers. */
export function requireSelfOrTrusted(caller: Caller, userId: string): void {
  if (!caller.trusted && caller.id !== userId)
    throw new PermissionDeniedError("You can only access your own data", "not_your_user");
}

/** The agent an action is recorded under: a session is itself, an integration names its agent. */
export function agentId(caller: Caller, requested: string | undefined): string {
  requireAgent(caller);
  return caller.integration ? (requested ?? caller.id) : caller.id;
}
