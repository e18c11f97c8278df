/**
 * Bridges a callback producer (node-llama-cpp's onResponseChunk) to an async iterator. The
 * producer cannot be paused, so events are buffered; a generation is bounded by maxTokens.
 */
export class EventChannel<T> {
  private readonly buffer: T[] = [];
  private done = false;
  private error: unknown;
  private hasError = false;
  private wake: (() => void) | undefined;

  push = (item: T): void => {
    if (this.done) return;
    this.buffer.push(item);
    this.notify();
  };

  end = (): void => {
    this.done = true;
    this.notify();
  };

  fail = (err: unknown): void => {
    if (this.done) return;
    this.error = err;
    this.hasError = true;
    this.done = true;
    this.notify();
  };

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      while (this.buffer.length > 0) yield this.buffer.shift() as T;
      if (this.done) {
        if (this.hasError) throw this.error;
        return;
      }
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
