import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.ts";

/**
 * A throwaway PostgreSQL server for tests: a fresh cluster in a temp dir, listening on
 * 127.0.0.1 only, stopped and deleted by `stop()`. Uses the Debian binaries; when they are
 * missing it throws (tests must fail loudly, never skip silently).
 */
export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Creates a fresh database and returns its connection URL (isolates test files from each other). */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops the server (fast shutdown: sessions are terminated with 57P01) and keeps its data, so
   * `restart()` brings the same databases back on the same port: an outage, as clients see one.
   */
  halt(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartTestPostgresOptions {
  /** Folder with initdb, pg_ctl and postgres; default SEEKDESK_PG_BIN or the Debian PostgreSQL 15 path. */
  binDir?: string;
  /** Extra `-c name=value` settings, e.g. `shared_preload_libraries`. */
  settings?: Record<string, string>;
}

const DEFAULT_BIN = "/usr/lib/postgresql/15/bin";

export async function startTestPostgres(opts: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const binDir = opts.binDir ?? process.env.SEEKDESK_PG_BIN ?? DEFAULT_BIN;
  for (const tool of ["initdb", "pg_ctl", "postgres"]) {
    if (!existsSync(join(binDir, tool))) {
      throw new Error(
        `PostgreSQL binary ${join(binDir, tool)} not found: install the Debian package postgresql-15 ` +
          "(see .ci/run) or set SEEKDESK_PG_BIN",
      );
    }
  }
  const root = mkdtempSync(join(tmpdir(), "seekdesk-pg-"));
  const dataDir = join(root, "data");
  // PostgreSQL refuses to run as root; containers and CI often are root, so run as the
  // Debian `postgres` account then.
  const runAs = process.getuid?.() === 0 ? lookupUser("postgres") : undefined;
  if (runAs) chownSync(root, runAs.uid, runAs.gid);
  const spawnOpts = { ...(runAs ?? {}), encoding: "utf8" as const, env: { ...process.env, LC_ALL: "C" } };

  const init = spawnSync(
    join(binDir, "initdb"),
    ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
    spawnOpts,
  );
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
  }

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    // Durability is pointless for a throwaway cluster and costs CPU on a shared CI box.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "50",
    shared_buffers: "32MB",
    ...opts.settings,
  };
  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const pgOpts = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}='${v}'`)].join(" ");
    const start = spawnSync(
      join(binDir, "pg_ctl"),
      ["-D", dataDir, "-l", join(root, "server.log"), "-o", pgOpts, "-w", "-t", "60", "start"],
      spawnOpts,
    );
    if (start.status === 0) {
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const pgCtl = (args: string[]): void => {
        const r = spawnSync(join(binDir, "pg_ctl"), ["-D", dataDir, ...args], spawnOpts);
        if (r.status !== 0) throw new Error(`pg_ctl ${args.at(-1)} failed: ${r.stderr || r.stdout}`);
      };
      return {
        url,
        port,
        dataDir,
        async createDatabase(name) {
          if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`CREATE DATABASE ${name}`);
          } finally {
            await client.end();
          }
          return `postgres://postgres@127.0.0.1:${port}/${name}`;
        },
        async halt() {
          pgCtl(["-m", "fast", "-w", "stop"]);
        },
        async restart() {
          pgCtl(["-l", join(root, "server.log"), "-o", pgOpts, "-w", "-t", "60", "start"]);
        },
        async stop() {
          spawnSync(join(binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"], spawnOpts);
          rmSync(root, { recursive: true, force: true });
        },
      };
    }
    lastError = `${start.stderr}${start.stdout}`;
    // A port taken between freePort() and the bind: try another one.
  }
  rmSync(root, { recursive: true, force: true });
  throw new Error(`pg_ctl start failed: ${lastError}`);
}

function lookupUser(name: string): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root and no '${name}' user exists to run PostgreSQL as`);
  }
}
