import { RateLimitError } from "@seekdesk/core";
import type { ApiKeyRecord } from "./key-store.ts";
import { MinuteWindow } from "./rate-window.ts";

/** What is left of a key's budgets this minute (null: no limit), for the x-ratelimit-* headers. */
export interface KeyBudget {
  requests: number | null;
  tokens: number | null;
}

/** Per-key request and token budgets: in process memory (`KeyLimiter`) or shared (`RedisKeyLimiter`). */
export interface RateLimiter {
  /** Admits one request, or throws RateLimitError with the seconds to wait; says what is left. */
  admit(key: ApiKeyRecord): KeyBudget | Promise<KeyBudget>;
  /** Charges tokens used by a finished (or aborted) request. */
  charge(key: ApiKeyRecord, tokens: number): void;
  close?(): Promise<void>;
}

/**
 * Per-key requests-per-minute and tokens-per-minute limits, kept in process memory: one gateway
 * process enforces its own share (several replicas share one budget through `RedisKeyLimiter`).
 * Tokens are counted when a request finishes, so one long request can overshoot tpm once; the
 * next request then waits.
 */
export class KeyLimiter implements RateLimiter {
  private readonly requests = new Map<string, MinuteWindow>();
  private readonly tokens = new Map<string, MinuteWindow>();

  constructor(private readonly now: () => number = Date.now) {}

  /** What is left of a key's budgets this minute, for the x-ratelimit-* headers OpenAI clients read. */
  remaining(key: ApiKeyRecord): KeyBudget {
    const t = this.now();
    return {
      requests: key.rpm === null ? null : Math.max(0, key.rpm - (this.requests.get(key.id)?.total(t) ?? 0)),
      tokens: key.tpm === null ? null : Math.max(0, key.tpm - (this.tokens.get(key.id)?.total(t) ?? 0)),
    };
  }

  /** Admits one request or throws RateLimitError with the seconds to wait. */
  admit(key: ApiKeyRecord): KeyBudget {
    const t = this.now();
    let tokens: number | null = null;
    if (key.tpm !== null) {
      const w = this.tokens.get(key.id);
      const used = w ? w.total(t) : 0;
      if (w && used >= key.tpm) {
        throw new RateLimitError(
          `Rate limit reached for key ${key.id}: ${key.tpm} tokens per minute`,
          w.secondsUntilBelow(t, key.tpm),
          "tokens_per_minute_exceeded",
        );
      }
      tokens = key.tpm - used;
    }
    let requests: number | null = null;
    if (key.rpm !== null) {
      const w = this.window(this.requests, key.id);
      const used = w.total(t);
      if (used >= key.rpm) {
        throw new RateLimitError(
          `Rate limit reached for key ${key.id}: ${key.rpm} requests per minute`,
          w.secondsUntilBelow(t, key.rpm),
          "requests_per_minute_exceeded",
        );
      }
      w.add(t, 1);
      requests = key.rpm - used - 1;
    }
    return { requests, tokens };
  }

  /** Charges tokens used by a finished (or aborted) request. */
  charge(key: ApiKeyRecord, tokens: number): void {
    if (key.tpm === null || tokens <= 0) return;
    this.window(this.tokens, key.id).add(this.now(), tokens);
  }

  private window(map: Map<string, MinuteWindow>, id: string): MinuteWindow {
    let w = map.get(id);
    if (!w) {
      w = new MinuteWindow();
      map.set(id, w);
    }
    return w;
  }
}
