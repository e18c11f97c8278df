import pg from "pg";

export interface ListenOptions {
  connectionString: string;
  channel: string;
  /** A notification on `channel` (its payload, "" when none). */
  onNotify(payload: string): void;
  /**
   * Notifications may have been missed: the connection was `lost`, or is `listening` (again, or
   * for the first time). Whoever keeps a copy of the data should read it again.
   */
  onGap(reason: "lost" | "listening", err?: Error): void;
  /** First delay before reconnecting a lost connection; doubles up to 10 s. */
  reconnectMs?: number;
  /**
   * Runs before each connection attempt (e.g. the migration that makes the triggers which
   * NOTIFY); a failure counts as a failed attempt and is retried with the same back-off.
   */
  beforeConnect?: () => Promise<void>;
}

export interface Listening {
  /** Settles after the first attempt to LISTEN (made or failed; it keeps retrying). */
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * One connection LISTENing on a channel, reconnected with back-off when lost. Postgres drops
 * notifications sent while nobody listens, so every (re)connection is reported as a gap.
 */
export function listenWithRetry(opts: ListenOptions): Listening {
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  const first = opts.reconnectMs ?? 250;
  let delay = first;
  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 10_000);
  };
  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    c.end().catch(() => undefined);
    opts.onGap("lost", err);
    retry();
  };
  const connect = async () => {
    const c = new pg.Client({
      connectionString: opts.connectionString,
      // A silently dead peer (no RST) is noticed by TCP keep-alive instead of never.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      connectionTimeoutMillis: 5000,
    });
    c.on("notification", (n) => {
      if (n.channel === opts.channel) opts.onNotify(n.payload ?? "");
    });
    c.on("error", (err) => lost(c, err));
    c.on("end", () => lost(c));
    try {
      await opts.beforeConnect?.();
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
    } catch {
      c.end().catch(() => undefined);
      retry();
      return;
    }
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    delay = first;
    opts.onGap("listening");
  };
  return {
    started: connect(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
