import type { RateLimitsConfig } from "@seekdesk/core";
import type { Logger } from "pino";
import { KeyLimiter, type RateLimiter } from "./limiter.ts";
import { RedisKeyLimiter } from "./redis-limiter.ts";

/** While Redis is down every request fails the same way: one warning per interval is enough. */
const WARN_EVERY_MS = 10_000;

export function rateLimiterFromConfig(config: RateLimitsConfig, logger: Logger): RateLimiter {
  if (config.store === "memory") return new KeyLimiter();
  let lastWarn = 0;
  let suppressed = 0;
  const limiter = new RedisKeyLimiter({
    url: config.url as string,
    prefix: config.prefix,
    onStoreError: config.onStoreError,
    timeoutMs: config.timeoutMs,
    onError: (err) => {
      const now = Date.now();
      if (now - lastWarn < WARN_EVERY_MS) {
        suppressed++;
        return;
      }
      logger.warn(
        { err: err.message, suppressed, onStoreError: config.onStoreError },
        "rate limit store (redis) unreachable",
      );
      lastWarn = now;
      suppressed = 0;
    },
  });
  void limiter.connect();
  return limiter;
}
