/** An AbortError like the one fetch and node-llama-cpp throw, so callers can test `name`. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

/** Sleeps, but wakes (rejecting) as soon as the signal aborts; the timer never holds the process. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal as AbortSignal));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    t.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
