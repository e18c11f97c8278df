import pg from "pg";

export interface PostgresListenerOptions {
  connectionString: string;
  /** application_name of the connection (operators and tests find it in pg_stat_activity). */
  applicationName?: string;
  /** First delay before reconnecting a lost connection; doubles up to 10 s. */
  reconnectMs?: number;
  /**
   * Pings the connection this often (a ping, like LISTEN, then times out after 5 s) and takes a
   * failed ping as a lost connection: a peer that vanished without a reset (a failover, a dropped
   * NAT entry) is otherwise noticed only when TCP keep-alive gives up, minutes later. Off when
   * undefined.
   */
  pingMs?: number;
}

export interface NotificationSubscriber {
  /** A notification on one of the subscribed channels (its payload, "" when none). */
  onNotify(payload: string, channel: string): void;
  /**
   * Notifications may have been missed: the connection was `lost`, or this subscription is
   * `listening` (again, or for the first time). Whoever keeps a copy of the data should read it again.
   */
  onGap(reason: "lost" | "listening", err?: Error): void;
}

export interface SubscribeOptions {
  /**
   * `started` rejects when the very first attempt to LISTEN fails, and the subscription ends: for
   * a caller that must not start deaf. By default the first failure is retried like any other.
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

interface Entry {
  channels: readonly string[];
  sub: NotificationSubscriber;
  rejectFirstFailure: boolean;
  /** LISTEN is in effect for every channel of this entry on the current connection. */
  listening: boolean;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

const CHANNEL = /^[a-z_][a-z0-9_$]*$/i;

/**
 * One connection LISTENing for every subscriber of a process, reconnected with back-off when lost.
 * Postgres drops notifications sent while nobody listens, so a loss is reported to every
 * subscriber, and each hears `listening` once its channels are LISTENed again on the new
 * connection. The connection exists only while someone subscribes.
 */
export class PostgresListener {
  private readonly entries = new Set<Entry>();
  /** Channels LISTENed on `client`. */
  private listened = new Set<string>();
  private client: pg.Client | null = null;
  private connecting = false;
  private timer: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
  private closed = false;
  private delay: number;
  /** LISTEN/UNLISTEN statements run one after another so `listened` stays true to the server. */
  private sync: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PostgresListenerOptions) {
    this.delay = this.firstDelay;
  }

  private get firstDelay(): number {
    return this.opts.reconnectMs ?? 250;
  }

  /** The server process id of the LISTEN connection, null while there is none (tests, operators). */
  get backendPid(): number | null {
    const c = this.client as (pg.Client & { processID?: number }) | null;
    return c?.processID ?? null;
  }

  subscribe(
    channel: string | readonly string[],
    sub: NotificationSubscriber,
    opts: SubscribeOptions = {},
  ): Listening {
    const channels: readonly string[] = typeof channel === "string" ? [channel] : [...channel];
    for (const ch of channels)
      if (!CHANNEL.test(ch)) throw new Error(`bad notification channel name ${JSON.stringify(ch)}`);
    if (this.closed) throw new Error("the Postgres listener is closed");
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const started = new Promise<void>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const entry: Entry = {
      channels,
      sub,
      rejectFirstFailure: opts.rejectFirstFailure ?? false,
      listening: false,
      settled: false,
      resolve: () => {
        entry.settled = true;
        resolve();
      },
      reject: (err) => {
        entry.settled = true;
        reject(err);
      },
    };
    this.entries.add(entry);
    if (this.client) void this.listenPending(this.client);
    else this.connectSoon(true);
    return {
      started,
      stop: () => this.unsubscribe(entry),
    };
  }

  /** Ends the connection and every subscription. */
  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    await this.disconnect();
  }

  private async unsubscribe(entry: Entry): Promise<void> {
    if (!this.entries.delete(entry)) return;
    if (!entry.settled) entry.resolve();
    if (this.entries.size === 0) {
      await this.disconnect();
      return;
    }
    const c = this.client;
    if (!c) return;
    const still = new Set([...this.entries].flatMap((e) => e.channels));
    const gone = entry.channels.filter((ch) => !still.has(ch) && this.listened.has(ch));
    if (gone.length === 0) return;
    await this.serially(async () => {
      if (this.client !== c) return;
      for (const ch of gone) this.listened.delete(ch);
      await c.query(gone.map((ch) => `UNLISTEN ${ch}`).join("; "));
    }).catch(() => undefined);
  }

  private async disconnect(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
    const c = this.client;
    this.client = null;
    this.listened = new Set();
    await c?.end().catch(() => undefined);
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const run = this.sync.then(fn);
    this.sync = run.catch(() => undefined);
    return run;
  }

  /** Connects now (`immediately`) or after the back-off delay, unless already under way. */
  private connectSoon(immediately: boolean): void {
    if (this.closed || this.client || this.connecting || this.timer || this.entries.size === 0) return;
    if (immediately) {
      void this.connect();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, 10_000);
  }

  private lost(c: pg.Client, err?: Error): void {
    if (this.client !== c) return;
    this.client = null;
    this.listened = new Set();
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
    c.end().catch(() => undefined);
    for (const e of this.entries) {
      if (!e.listening) continue;
      e.listening = false;
      e.sub.onGap("lost", err);
    }
    this.connectSoon(false);
  }

  /** A failed attempt: first-time subscribers that asked to are refused, the others wait for the retry. */
  private attemptFailed(err: Error): void {
    for (const e of [...this.entries]) {
      if (e.settled) continue;
      if (e.rejectFirstFailure) {
        this.entries.delete(e);
        e.reject(err);
      } else e.resolve();
    }
    this.connectSoon(false);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    const c = new pg.Client({
      connectionString: this.opts.connectionString,
      // A silently dead peer (no RST) is noticed by TCP keep-alive instead of never.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      connectionTimeoutMillis: 5000,
      ...(this.opts.applicationName === undefined ? {} : { application_name: this.opts.applicationName }),
      ...(this.opts.pingMs === undefined ? {} : { query_timeout: 5000 }),
    });
    c.on("notification", (n) => {
      for (const e of this.entries)
        if (e.listening && e.channels.includes(n.channel)) e.sub.onNotify(n.payload ?? "", n.channel);
    });
    c.on("error", (err) => this.lost(c, err));
    c.on("end", () => this.lost(c));
    try {
      await c.connect();
    } catch (err) {
      this.connecting = false;
      c.end().catch(() => undefined);
      this.attemptFailed(err as Error);
      return;
    }
    this.connecting = false;
    if (this.closed || this.entries.size === 0) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.listened = new Set();
    if (this.opts.pingMs !== undefined) {
      this.ping = setInterval(() => {
        c.query("SELECT 1").catch(() => this.lost(c));
      }, this.opts.pingMs);
      this.ping.unref();
    }
    await this.listenPending(c);
  }

  /** LISTENs the channels of subscribers not yet listening on `c`, then tells them. */
  private listenPending(c: pg.Client): Promise<void> {
    return this.serially(async () => {
      if (this.client !== c) return;
      const waiting = [...this.entries].filter((e) => !e.listening);
      if (waiting.length === 0) return;
      const fresh = [...new Set(waiting.flatMap((e) => e.channels))].filter((ch) => !this.listened.has(ch));
      try {
        if (fresh.length > 0) await c.query(fresh.map((ch) => `LISTEN ${ch}`).join("; "));
      } catch (err) {
        // The connection is unusable (or the server refused): start over on a new one.
        if (this.client === c) {
          this.lost(c, err as Error);
          this.attemptFailed(err as Error);
        }
        return;
      }
      if (this.client !== c) return;
      for (const ch of fresh) this.listened.add(ch);
      this.delay = this.firstDelay;
      for (const e of waiting) {
        if (!this.entries.has(e)) continue;
        e.listening = true;
        e.sub.onGap("listening");
        if (!e.settled) e.resolve();
      }
    });
  }
}
