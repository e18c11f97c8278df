/**
 * A throwaway Postgres with pgvector for tests, served on 127.0.0.1 over the ordinary wire
 * protocol, so adapters connect with `pg` exactly as they would to a production server.
 *
 * Debian 12 ships no pgvector package and nothing else is reachable from CI, so this is PGlite
 * (PostgreSQL compiled to WebAssembly, in this process) with its bundled build of the real
 * pgvector extension, behind pglite-socket's wire-protocol server. It runs in the test's own
 * process: nothing to leak, and `stop()` (or the process ending) takes it down.
 *
 * PGlite is one session: connections take turns statement by statement, a transaction holds
 * the others off until it ends, and session settings (`SET search_path`) are shared by every
 * connection. Adapters that qualify table names and use `SET LOCAL` behave as on a real server.
 */
export interface TestPgvector {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /**
   * Stops serving (every open connection is closed, new ones are refused) and keeps the data, so
   * `restart()` serves the same database on the same port again: an outage, as clients see one.
   */
  halt(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartTestPgvectorOptions {
  /** Load the bundled pgvector extension (default true); false gives a server without it. */
  vector?: boolean;
  /** Concurrent client connections accepted. Default 16. */
  maxConnections?: number;
  /** Give up starting after this long. Default 60 s. */
  timeoutMs?: number;
}

export async function startTestPgvector(opts: StartTestPgvectorOptions = {}): Promise<TestPgvector> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // Imported here so that loading the testing helpers does not load the WebAssembly build.
  const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite/vector"),
    import("@electric-sql/pglite-socket"),
  ]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PGlite did not start within ${timeoutMs} ms`)), timeoutMs);
  });
  const db = new PGlite({ extensions: opts.vector === false ? {} : { vector } });
  const serve = (port: number) =>
    new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: opts.maxConnections ?? 16 });
  let server: InstanceType<typeof PGLiteSocketServer> | undefined;
  try {
    await Promise.race([db.waitReady, deadline]);
    server = serve(0);
    await Promise.race([server.start(), deadline]);
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  let running: InstanceType<typeof PGLiteSocketServer> | null = server;
  const port = Number(server.getServerConn().split(":").pop());
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async halt() {
      const halted = running;
      running = null;
      await halted?.stop();
    },
    async restart() {
      if (running) return;
      const next = serve(port);
      await next.start();
      running = next;
    },
    stop() {
      stopped ??= (async () => {
        await running?.stop();
        running = null;
        await db.close();
      })();
      return stopped;
    },
  };
}
