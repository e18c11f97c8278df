import pg from "pg";

export interface ListenOptions {
  connectionString: string;
  /** One channel, or several LISTENed on the one connection. */
  channel: string | readonly string[];
  /** A notification on one of the channels (its payload, "" when none). */
  onNotify(payload: string, channel: string): void;
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
  /** application_name of the connection (operators and tests find it in pg_stat_activity). */
  applicationName?: string;
  /**
   * Pings the connection this often (a ping, like LISTEN, then times out after 5 s) and takes a
   * failed ping as a lost connection: a peer that vanished without a reset (a failover, a dropped
   * NAT entry) is otherwise noticed only when TCP keep-alive gives up, minutes later. Off by default.
   */
  pingMs?: number;
  /**
   * `started` rejects when the very first attempt fails, and no retry follows: for a caller that
   * must not start deaf. By default the first failure is retried like any other.
   */
  rejectFirstFailure?: boolean;
}

export interface Listening {
  /**
   * Settles after the first attempt to LISTEN (made or failed; it keeps retrying), or rejects
   * when it failed under `rejectFirstFailure`.
   */
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * One connection LISTENing on one or more channels, reconnected with back-off when lost. Postgres drops
 * notifications sent while nobody listens, so every (re)connection is reported as a gap.
 */
export function listenWithRetry(opts: ListenOptions): Listening {
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let ping: NodeJS.Timeout | null = null;
  let everListened = false;
  const channels: readonly string[] = typeof opts.channel === "string" ? [opts.channel] : opts.channel;
  const first = opts.reconnectMs ?? 250;
  let delay = first;
  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect().catch(() => undefined);
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 10_000);
  };
  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    if (ping) clearInterval(ping);
    ping = null;
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
      ...(opts.applicationName === undefined ? {} : { application_name: opts.applicationName }),
      ...(opts.pingMs === undefined ? {} : { query_timeout: 5000 }),
    });
    c.on("notification", (n) => {
      if (channels.includes(n.channel)) opts.onNotify(n.payload ?? "", n.channel);
    });
    c.on("error", (err) => lost(c, err));
    c.on("end", () => lost(c));
    try {
      await opts.beforeConnect?.();
      await c.connect();
      await c.query(channels.map((ch) => `LISTEN ${ch}`).join("; "));
    } catch (err) {
      c.end().catch(() => undefined);
      if (opts.rejectFirstFailure && !everListened && !stopped) throw err;
      retry();
      return;
    }
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    delay = first;
    if (opts.pingMs !== undefined) {
      ping = setInterval(() => {
        c.query("SELECT 1").catch(() => lost(c));
      }, opts.pingMs);
      ping.unref();
    }
    everListened = true;
    opts.onGap("listening");
  };
  return {
    started: connect(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ping) clearInterval(ping);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
