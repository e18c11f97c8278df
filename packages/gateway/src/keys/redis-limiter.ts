import { RateLimitError, UnavailableError } from "@seekdesk/core";
import { RedisScriptClient } from "../redis/script-client.ts";
import type { ApiKeyRecord } from "./key-store.ts";
import type { KeyBudget, RateLimiter } from "./limiter.ts";

/**
 * The same sliding minute as `MinuteWindow` (60 one-second buckets), kept in one Redis hash per
 * key and budget so that every replica behind a load balancer draws on one budget. Buckets are
 * hash fields named by the second; the script drops expired ones as it reads. Time comes from the
 * Redis server, not from the replicas, whose clocks may disagree.
 *
 * KEYS: requests hash, tokens hash. ARGV: rpm, tpm (-1 = no limit).
 * Returns {0, wait, reason} when refused ({1, requests left, tokens left} when admitted; -1 = no limit).
 */
const ADMIT = `
local now = tonumber(redis.call('TIME')[1])
local function window(key)
  local h = redis.call('HGETALL', key)
  local sum, live = 0, {}
  for i = 1, #h, 2 do
    local s, v = tonumber(h[i]), tonumber(h[i + 1])
    if now - s < 60 then
      sum = sum + v
      live[#live + 1] = {s, v}
    else
      redis.call('HDEL', key, h[i])
    end
  end
  return sum, live
end
local function wait_below(sum, live, limit)
  table.sort(live, function(a, b) return a[1] < b[1] end)
  for _, b in ipairs(live) do
    sum = sum - b[2]
    if sum < limit then return math.max(1, b[1] + 60 - now) end
  end
  return 60
end
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens_left = -1
if tpm >= 0 then
  local used, live = window(KEYS[2])
  if used >= tpm then return {0, wait_below(used, live, tpm), 'tokens_per_minute_exceeded'} end
  tokens_left = tpm - used
end
local requests_left = -1
if rpm >= 0 then
  local used, live = window(KEYS[1])
  if used >= rpm then return {0, wait_below(used, live, rpm), 'requests_per_minute_exceeded'} end
  redis.call('HINCRBY', KEYS[1], now, 1)
  redis.call('EXPIRE', KEYS[1], 61)
  requests_left = rpm - used - 1
end
return {1, requests_left, tokens_left}
`;

/** KEYS: tokens hash. ARGV: tokens. */
const CHARGE = `
local now = redis.call('TIME')[1]
redis.call('HINCRBY', KEYS[1], now, tonumber(ARGV[1]))
redis.call('EXPIRE', KEYS[1], 61)
return 1
`;

export interface RedisLimiterOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Prefix of every key this limiter writes. */
  prefix?: string;
  /**
   * What to do while Redis cannot be reached: "allow" serves requests unlimited (an outage of the
   * limiter's store should not become an outage of the API), "deny" refuses them with 503.
   */
  onStoreError?: "allow" | "deny";
  /** Milliseconds a limiter command may take before it counts as a store error. */
  timeoutMs?: number;
  /** Called on each store error (logged and counted by the server). */
  onError?: (err: Error) => void;
}

/** Per-key limits shared by all replicas through Redis. */
export class RedisKeyLimiter implements RateLimiter {
  private readonly redis: RedisScriptClient;
  private readonly prefix: string;
  private readonly onStoreError: "allow" | "deny";
  private readonly onError: (err: Error) => void;
  private readonly pending = new Set<Promise<void>>();

  constructor(opts: RedisLimiterOptions) {
    this.prefix = opts.prefix ?? "seekdesk:ratelimit:";
    this.onStoreError = opts.onStoreError ?? "allow";
    this.onError = opts.onError ?? (() => {});
    this.redis = new RedisScriptClient({ url: opts.url, timeoutMs: opts.timeoutMs, onError: this.onError });
  }

  /**
   * Starts connecting (once). Never awaited on a request's path: while Redis cannot be reached
   * it does not settle (see RedisScriptClient).
   */
  connect(): Promise<unknown> {
    return this.redis.connect();
  }

  async admit(key: ApiKeyRecord): Promise<KeyBudget> {
    if (key.rpm === null && key.tpm === null) return { requests: null, tokens: null };
    let reply: [number, number | string, number | string];
    try {
      reply = (await this.redis.script(
        ADMIT,
        [this.redisKey("req", key.id), this.redisKey("tok", key.id)],
        [String(key.rpm ?? -1), String(key.tpm ?? -1)],
      )) as typeof reply;
    } catch (e) {
      return this.storeFailed(e as Error, key);
    }
    if (reply[0] === 0) {
      const reason = String(reply[2]);
      const what = reason === "tokens_per_minute_exceeded" ? `${key.tpm} tokens` : `${key.rpm} requests`;
      throw new RateLimitError(
        `Rate limit reached for key ${key.id}: ${what} per minute`,
        Number(reply[1]),
        reason,
      );
    }
    const left = (v: number | string): number | null => (Number(v) < 0 ? null : Number(v));
    return { requests: left(reply[1]), tokens: left(reply[2]) };
  }

  /** Charges in the background (the response is already on its way); resolves when Redis has it. */
  charge(key: ApiKeyRecord, tokens: number): Promise<void> {
    if (key.tpm === null || tokens <= 0) return Promise.resolve();
    const done = this.redis
      .script(CHARGE, [this.redisKey("tok", key.id)], [String(Math.round(tokens))])
      .then(
        () => {},
        (e: Error) => this.onError(e),
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
    return done;
  }

  /** Waits for charges in flight, then disconnects. */
  async close(): Promise<void> {
    await Promise.all(this.pending);
    await this.redis.close();
  }

  private redisKey(kind: "req" | "tok", id: string): string {
    // The hash tag keeps both hashes of one key in one Redis Cluster slot (the script touches both).
    return `${this.prefix}{${id}}:${kind}`;
  }

  private storeFailed(err: Error, key: ApiKeyRecord): KeyBudget {
    this.onError(err);
    if (this.onStoreError === "deny")
      throw new UnavailableError(
        `Rate limits for key ${key.id} cannot be checked: ${err.message}`,
        "rate_limit_store_unavailable",
      );
    return { requests: null, tokens: null };
  }
}
