import type { ServerConfig } from "@seekdesk/core";
import type { Context } from "hono";
import { FailureThrottle } from "../throttle/failure-throttle.ts";
import { MemoryFailureCounter } from "../throttle/memory-failure-counter.ts";

/** Why a request's API key was refused: none sent, one that matches no active key, or its client is throttled. */
export type AuthFailureOutcome = "missing_key" | "invalid_key" | "throttled";
export const AUTH_FAILURE_OUTCOMES: readonly AuthFailureOutcome[] = [
  "missing_key",
  "invalid_key",
  "throttled",
];

/** What GatewayAuth needs to count refused API keys and to throttle clients that guess. */
export interface FailedKeyWatch {
  /** Null: every attempt is looked up (server.authThrottle.maxFailures 0). */
  throttle: FailureThrottle | null;
  /** The request's client address under server.trustProxy; null (in-process requests) is never throttled. */
  clientIp(c: Context): string | null;
  /** Each refusal, for metrics and logs; `failures` is the client's count after an invalid key. */
  onFailure(outcome: AuthFailureOutcome, client: string | null, failures?: number): void;
}

/**
 * The throttle of server.authThrottle, counted per replica in memory (each replica allows its own
 * `maxFailures`); null when turned off.
 */
export function failedKeyThrottle(settings: ServerConfig["authThrottle"]): FailureThrottle | null {
  if (settings.maxFailures === 0) return null;
  return new FailureThrottle(new MemoryFailureCounter(settings.maxClients), {
    max: settings.maxFailures,
    windowMs: settings.windowMs,
    message: "Too many requests with an invalid API key from this address; try again later",
    code: "too_many_failed_auth",
  });
}

/**
 * The throttle's key for a client address: an IPv4 address as it is, an IPv6 address by its /64,
 * the block one host or one customer line is usually given, so a client cannot start a fresh
 * count by moving to the next address of its own network.
 */
export function clientBucket(addr: string): string {
  if (!addr.includes(":")) return addr;
  const [head, tail] = addr.split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // A dotted IPv4 tail (::1.2.3.4) stands for two groups.
  const width = right.at(-1)?.includes(".") ? right.length + 1 : right.length;
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - width).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
