/**
 * A sliding one-minute window kept as 60 one-second buckets: O(1) per request and a bounded
 * amount of memory per key, precise to a second, which is what Retry-After can express anyway.
 */
export class MinuteWindow {
  private readonly buckets = new Float64Array(60);
  private readonly stamps = new Float64Array(60);

  /** Sum over the last 60 seconds. */
  total(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (now - this.stamps[i] < 60) sum += this.buckets[i];
    return sum;
  }

  add(nowMs: number, amount: number): void {
    const sec = Math.floor(nowMs / 1000);
    const i = sec % 60;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.buckets[i] = 0;
    }
    this.buckets[i] += amount;
  }

  /** Seconds until the total drops below `limit` again (at least 1). */
  secondsUntilBelow(nowMs: number, limit: number): number {
    const now = Math.floor(nowMs / 1000);
    let sum = this.total(nowMs);
    // Buckets expire oldest first; walk forward in time until enough has expired.
    for (let wait = 1; wait <= 60; wait++) {
      const expiring = (now - 60 + wait + 60) % 60;
      if (now - this.stamps[expiring] < 60 && this.stamps[expiring] === now - 60 + wait)
        sum -= this.buckets[expiring];
      if (sum < limit) return wait;
    }
    return 60;
  }
}
