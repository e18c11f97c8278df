/**
 * Runs tasks with the same key one after another (per conversation), different keys in parallel.
 * Turns of one conversation must not interleave: the second would read the state the first is
 * about to replace, and a retry racing its original would run the turn twice.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
