import type { FailureCounter, Failures } from "./failure-throttle.ts";

/**
 * Failures counted in this process, in fixed windows that open at a key's first failure: `max`
 * failures within `windowMs` of it spend the window, and the count starts afresh when it ends.
 * (A window that grew with each failure would lock out a client that fails slowly but steadily,
 * such as a misconfigured one retrying every few seconds, and every client behind its address.)
 * At most `maxKeys` keys are held; past that the one that failed least recently is forgotten, so
 * a flood from many addresses costs bounded memory, at the price of letting the oldest go early.
 */
export class MemoryFailureCounter implements FailureCounter {
  // A Map iterates in insertion order: re-inserting on each failure keeps the least recent first.
  private readonly entries = new Map<string, Failures>();

  constructor(readonly maxKeys: number) {}

  /** Keys held now, expired ones included until they are next touched or evicted. */
  get size(): number {
    return this.entries.size;
  }

  failures(key: string, now: number): Failures | null {
    const f = this.entries.get(key);
    if (f === undefined) return null;
    if (f.until > now) return f;
    this.entries.delete(key);
    return null;
  }

  addFailure(key: string, now: number, windowMs: number): Failures {
    const open = this.failures(key, now);
    const next = open ? { count: open.count + 1, until: open.until } : { count: 1, until: now + windowMs };
    this.entries.delete(key);
    this.entries.set(key, next);
    if (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return next;
  }

  clearFailures(key: string): void {
    this.entries.delete(key);
  }
}
