import { RateLimitError } from "@seekdesk/core";
import { abortError } from "./abort.ts";

export interface QueueStats {
  active: number;
  waiting: number;
}

export interface BoundedQueueOptions {
  /** How many holders at once (sequences, upstream connections). */
  capacity: number;
  /** How many may wait; one more is refused with RateLimitError. */
  maxWaiting: number;
  /** What is queued, for the error message, e.g. `model "qwen2"`. */
  label: string;
  onChange?: (stats: QueueStats) => void;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * A FIFO semaphore with a bounded waiting line. Refusal carries a Retry-After estimate: the
 * line ahead divided by the capacity, times the mean time a slot is held.
 */
export class BoundedQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  /** Exponentially weighted mean hold time; starts at 1 s until there is data. */
  private meanHoldMs = 1_000;

  constructor(private readonly opts: BoundedQueueOptions) {
    if (opts.capacity < 1) throw new RangeError("capacity must be at least 1");
  }

  get stats(): QueueStats {
    return { active: this.active, waiting: this.waiters.length };
  }

  retryAfterSeconds(): number {
    const ahead = this.waiters.length + 1;
    return Math.max(1, Math.ceil((ahead / this.opts.capacity) * (this.meanHoldMs / 1000)));
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.active < this.opts.capacity && this.waiters.length === 0) {
      this.active++;
      this.changed();
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.opts.maxWaiting) {
      return Promise.reject(
        new RateLimitError(
          `The queue for ${this.opts.label} is full; retry later`,
          this.retryAfterSeconds(),
          "queue_full",
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          this.changed();
          reject(abortError(signal));
        },
      };
      signal.addEventListener("abort", w.onAbort, { once: true });
      this.waiters.push(w);
      this.changed();
    });
  }

  private releaser(): () => void {
    const start = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.meanHoldMs = 0.8 * this.meanHoldMs + 0.2 * (performance.now() - start);
      const next = this.waiters.shift();
      if (next) {
        next.signal.removeEventListener("abort", next.onAbort);
        next.resolve(this.releaser());
      } else {
        this.active--;
      }
      this.changed();
    };
  }

  private changed(): void {
    this.opts.onChange?.(this.stats);
  }
}
