import { createHash } from "node:crypto";
import { createClient } from "@redis/client";

type Client = ReturnType<typeof createClient>;

const sha1 = (s: string): string => createHash("sha1").update(s).digest("hex");

export interface ScriptClientOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Milliseconds a command may take, and the most a call waits for the first connection. */
  timeoutMs?: number;
  /** Every error of the connection or its commands (node-redis throws them uncaught without one). */
  onError: (err: Error) => void;
}

/**
 * The Redis connection of the gateway's shared counters (per-key rate limits, invalid-key
 * throttle): Lua scripts by EVALSHA, and a request path that never waits on Redis for long.
 *
 * While disconnected a command fails at once rather than queueing behind a reconnect, so the
 * request it belongs to falls back (served unlimited, counted in memory) instead of hanging. Right
 * after start the connection is usually a few milliseconds away, so a call waits for it, but at
 * most `timeoutMs`: node-redis's connect() does not settle while it keeps retrying an unreachable
 * server, and awaiting it left requests hanging.
 */
export class RedisScriptClient {
  private readonly client: Client;
  private readonly timeoutMs: number;
  private ready: Promise<unknown> | null = null;
  private failed = false;

  constructor(opts: ScriptClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 250;
    this.client = createClient({
      url: opts.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: this.timeoutMs },
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000),
      },
    });
    this.client.on("error", (e: Error) => {
      this.failed = true;
      opts.onError(e);
    });
  }

  /** Starts connecting (once); the promise settles when connected, or never while Redis is away. */
  connect(): Promise<unknown> {
    this.ready ??= this.client.connect().catch(() => {
      // reported through the "error" listener
    });
    return this.ready;
  }

  /** EVALSHA, loading the script once when the server does not know it yet. */
  async script(source: string, keys: string[], args: string[]): Promise<unknown> {
    await this.firstConnection();
    const head = [String(keys.length), ...keys, ...args];
    try {
      return await this.client.sendCommand(["EVALSHA", sha1(source), ...head]);
    } catch (e) {
      if (!String((e as Error).message).startsWith("NOSCRIPT")) throw e;
      return this.client.sendCommand(["EVAL", source, ...head]);
    }
  }

  /** A plain command, failing at once while disconnected. */
  command(args: string[]): Promise<unknown> {
    return this.client.sendCommand(args);
  }

  async close(): Promise<void> {
    // close() waits for the socket, which never comes while Redis is down.
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }

  /** Waits for a first connection still under way, at most timeoutMs; never once one has failed. */
  private async firstConnection(): Promise<void> {
    this.connect();
    if (this.client.isReady || this.failed) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((ok) => {
      timer = setTimeout(ok, this.timeoutMs).unref();
    });
    await Promise.race([this.ready, late]);
    clearTimeout(timer);
  }
}
