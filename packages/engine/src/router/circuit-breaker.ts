export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit refuses traffic before one trial request is let through. */
  cooldownMs?: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

/**
 * Closed: traffic flows, failures are counted. Open: no traffic until the cooldown ends.
 * Half-open: exactly one trial request; its success closes the circuit, its failure reopens it.
 */
export class CircuitBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions = {}) {
    this.threshold = opts.failureThreshold ?? 5;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a request could go through now, without claiming the half-open trial. */
  get available(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "open") return this.now() - this.openedAt >= this.cooldownMs;
    return !this.trialInFlight;
  }

  /** Claims permission for one request; false means skip this backend. */
  tryAcquire(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "open") {
      if (this.now() - this.openedAt < this.cooldownMs) return false;
      this.set("half-open");
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.trialInFlight = false;
    this.failures = 0;
    this.set("closed");
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === "half-open" || this.failures >= this.threshold) this.open();
  }

  /** The request ended without saying anything about the backend (client abort). */
  release(): void {
    this.trialInFlight = false;
  }

  private open(): void {
    this.openedAt = this.now();
    this.set("open");
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.opts.onChange?.(state);
  }
}
