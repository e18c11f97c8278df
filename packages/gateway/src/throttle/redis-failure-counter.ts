import { RedisScriptClient } from "../redis/script-client.ts";
import type { FailureCounter, Failures } from "./failure-throttle.ts";

/**
 * Counts one more failure in a fixed window that opens at the key's first failure: SET NX gives a
 * new key its whole window, a later failure only increments, so the expiry never moves. The key
 * vanishes by itself when the window ends, which bounds Redis's memory without an LRU of our own.
 * A key left without an expiry (written by hand) gets one rather than counting forever.
 *
 * KEYS: the counter. ARGV: window in ms. Returns {count, ms left}.
 */
const ADD = `
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
return {count, left}
`;

/** KEYS: the counter. Returns {count, ms left}; {0, 0} when there is none. */
const READ = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
`;

export interface RedisFailureCounterOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Prefix of every key written; the counted key (a client address) follows it. */
  prefix?: string;
  /** Milliseconds a call may take before Redis counts as unreachable. */
  timeoutMs?: number;
  /** Counts a call while Redis cannot answer it, so an outage neither locks everyone out nor lifts the throttle. */
  fallback: FailureCounter;
  /** Called when Redis stops answering (once per outage, not per call). */
  onOutage?: (err: Error) => void;
  /** Called when Redis answers again after an outage. */
  onRecovery?: () => void;
}

/**
 * Failures counted in Redis, so that replicas behind one load balancer share each key's count
 * (with counts in memory, N replicas allow N times the failures). Same windows as
 * MemoryFailureCounter; while Redis is unreachable each call goes to `fallback` instead.
 */
export class RedisFailureCounter implements FailureCounter {
  private readonly redis: RedisScriptClient;
  private readonly prefix: string;
  private readonly fallback: FailureCounter;
  private readonly onOutage: (err: Error) => void;
  private readonly onRecovery: () => void;
  private down = false;

  constructor(opts: RedisFailureCounterOptions) {
    this.prefix = opts.prefix ?? "seekdesk:authfail:";
    this.fallback = opts.fallback;
    this.onOutage = opts.onOutage ?? (() => {});
    this.onRecovery = opts.onRecovery ?? (() => {});
    // A call that Redis cannot answer at once goes to the fallback: the request never waits.
    this.redis = new RedisScriptClient({
      url: opts.url,
      timeoutMs: opts.timeoutMs,
      onError: (e) => this.storeFailed(e),
    });
  }

  /** Starts connecting (once); never awaited on a request's path (see RedisScriptClient). */
  connect(): Promise<unknown> {
    return this.redis.connect();
  }

  failures(key: string, now: number): Promise<Failures | null> {
    return this.call(READ, key, [], now, () => this.fallback.failures(key, now));
  }

  async addFailure(key: string, now: number, windowMs: number): Promise<Failures> {
    const f = await this.call(ADD, key, [String(windowMs)], now, () =>
      this.fallback.addFailure(key, now, windowMs),
    );
    return f ?? this.fallback.addFailure(key, now, windowMs);
  }

  async clearFailures(key: string): Promise<void> {
    try {
      await this.redis.command(["DEL", this.prefix + key]);
      this.storeAnswered();
    } catch (e) {
      this.storeFailed(e as Error);
    }
    await this.fallback.clearFailures(key);
  }

  close(): Promise<void> {
    return this.redis.close();
  }

  private async call(
    script: string,
    key: string,
    args: string[],
    now: number,
    fallback: () => Failures | null | Promise<Failures | null>,
  ): Promise<Failures | null> {
    let reply: [number, number];
    try {
      reply = (await this.redis.script(script, [this.prefix + key], args)) as [number, number];
    } catch (e) {
      this.storeFailed(e as Error);
      return fallback();
    }
    this.storeAnswered();
    const [count, left] = reply.map(Number);
    // PTTL is -2 for a key that expired between GET and PTTL (it cannot within a script, but
    // a count without a live window is none either way).
    return count > 0 && left > 0 ? { count, until: now + left } : null;
  }

  private storeFailed(err: Error): void {
    if (this.down) return;
    this.down = true;
    this.onOutage(err);
  }

  private storeAnswered(): void {
    if (!this.down) return;
    this.down = false;
    this.onRecovery();
  }
}
