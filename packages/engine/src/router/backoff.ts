export interface RetryOptions {
  /** Attempts in all, across backends; every backend of the model is tried at least once. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * a uniform delay in [0, min(cap, base·2^attempt)], which spreads retries of many clients apart.
 */
export function backoffDelay(
  attempt: number,
  opts: RetryOptions,
  random: () => number = Math.random,
): number {
  const base = opts.baseDelayMs ?? 50;
  const cap = opts.maxDelayMs ?? 2_000;
  return Math.round(random() * Math.min(cap, base * 2 ** attempt));
}
