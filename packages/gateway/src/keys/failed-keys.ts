import type { RateLimitsConfig, ServerConfig } from "@seekdesk/core";
import type { Context } from "hono";
import type { Logger } from "pino";
import { type FailureCounter, FailureThrottle } from "../throttle/failure-throttle.ts";
import { MemoryFailureCounter } from "../throttle/memory-failure-counter.ts";
import { RedisFailureCounter } from "../throttle/redis-failure-counter.ts";

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
 * The throttle of server.authThrottle; null when turned off. Counted in the Redis of
 * rateLimits.store "redis" when there is one, so replicas share each client's count (N replicas
 * would otherwise allow N times maxFailures), else in this replica's memory.
 */
export function failedKeyThrottle(
  settings: ServerConfig["authThrottle"],
  store: RateLimitsConfig,
  logger: Logger,
): FailureThrottle | null {
  if (settings.maxFailures === 0) return null;
  return new FailureThrottle(failureCounter(settings, store, logger), {
    max: settings.maxFailures,
    windowMs: settings.windowMs,
    message: "Too many requests with an invalid API key from this address; try again later",
    code: "too_many_failed_auth",
  });
}

function failureCounter(
  settings: ServerConfig["authThrottle"],
  store: RateLimitsConfig,
  logger: Logger,
): FailureCounter {
  const memory = new MemoryFailureCounter(settings.maxClients);
  if (store.store !== "redis") return memory;
  const counter = new RedisFailureCounter({
    url: store.url as string,
    // Under the rate limits' prefix, so deployments that share one Redis keep their counts apart.
    prefix: `${store.prefix}authfail:`,
    timeoutMs: store.timeoutMs,
    // Unlike rate limits (onStoreError), an outage never refuses: every client would be locked out.
    fallback: memory,
    onOutage: (err) =>
      logger.warn(
        { err: err.message },
        "failed API key counter (redis) unreachable: counting in this replica's memory until it is back",
      ),
    onRecovery: () => logger.info("failed API key counter (redis) reachable again"),
  });
  void counter.connect();
  return counter;
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
