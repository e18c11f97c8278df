import { RateLimitError } from "@seekdesk/core";

/** Failures counted under one key, and when that count lapses (ms since the epoch). */
export interface Failures {
  count: number;
  until: number;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where failures are counted: in this process's memory (MemoryFailureCounter) or in a store that
 * replicas share (the console counts sign-ins in its account repository). Promises only where the
 * store is remote, so an in-memory throttle costs no promise on a hot path.
 */
export interface FailureCounter {
  /** The failures under `key` whose window is still open at `now`; null when none. */
  failures(key: string, now: number): MaybePromise<Failures | null>;
  /** Counts one more failure under `key` at `now`; a new count's window ends `windowMs` later. */
  addFailure(key: string, now: number, windowMs: number): MaybePromise<Failures>;
  clearFailures(key: string): MaybePromise<void>;
  /** Lets go of a remote store's connection when the server stops. */
  close?(): Promise<void>;
}

export interface FailureThrottleOptions {
  /** Failures within a window after which `check` refuses. */
  max: number;
  windowMs: number;
  /** The 429's message and error code. */
  message: string;
  code?: string;
  /** The clock, for tests of window ends. */
  now?: () => number;
}

/**
 * Slows guessing (passwords, API keys): after `max` failures under a key (a username and address,
 * a client address) `check` throws a 429 RateLimitError whose Retry-After is when the count
 * lapses. Callers check before doing the work a guess costs, and report each failure.
 */
export class FailureThrottle {
  private readonly now: () => number;

  constructor(
    readonly counter: FailureCounter,
    readonly opts: FailureThrottleOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Throws (or rejects) with 429 while `key` has used up its failures. */
  check(key: string): MaybePromise<void> {
    const now = this.now();
    const found = this.counter.failures(key, now);
    if (found instanceof Promise) return found.then((f) => this.refuseIfSpent(f, now));
    this.refuseIfSpent(found, now);
  }

  fail(key: string): MaybePromise<Failures> {
    return this.counter.addFailure(key, this.now(), this.opts.windowMs);
  }

  clear(key: string): MaybePromise<void> {
    return this.counter.clearFailures(key);
  }

  private refuseIfSpent(f: Failures | null, now: number): void {
    if (f && f.count >= this.opts.max)
      throw new RateLimitError(
        this.opts.message,
        Math.max(1, Math.ceil((f.until - now) / 1000)),
        this.opts.code,
      );
  }
}
