import { createInterface } from "node:readline";
import { AccountStore, isRole, ROLES } from "@seekdesk/console";
import { UserInputError } from "@seekdesk/core";
import { resolveDataPaths } from "@seekdesk/gateway";
import { openPostgresAccountRepository, openSqlite, SqliteAccountRepository } from "@seekdesk/store";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";

interface Flags {
  config?: string;
  dataDir?: string;
}

/** One line instead of a stack; the URL is not repeated (it may hold a password). */
const unreachable = (err: Error): never => {
  throw new UserInputError(`cannot open the Postgres store (store.url): ${err.message}`);
};

/** The accounts the server uses, from the same config: the SQLite file, or Postgres when store.driver is postgres. */
async function openAccounts(flags: Flags): Promise<{ accounts: AccountStore; close(): Promise<void> }> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (config.store.driver === "postgres") {
    const accounts = new AccountStore(
      await openPostgresAccountRepository(config.store.url as string, {
        max: 1,
        applicationName: "seekdesk accounts",
      }).catch(unreachable),
    );
    return { accounts, close: () => accounts.close() };
  }
  const db = openSqlite(resolveDataPaths(config).sqlite);
  return {
    accounts: new AccountStore(new SqliteAccountRepository(db)),
    close: async () => {
      db.close();
    },
  };
}

/** The password from stdin when piped (scripts, CI), else asked for on the terminal without echo. */
async function readPassword(flags: { passwordStdin?: boolean }): Promise<string> {
  if (flags.passwordStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write("Password: ");
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return answer;
}

const role = (v: string) => {
  if (!isRole(v)) throw new UserInputError(`--role: expected one of ${ROLES.join(", ")}, got ${v}`);
  return v;
};

export function registerAccounts(program: Command): void {
  const cmd = program
    .command("accounts")
    .description("Console accounts (admin, agent, viewer); create the first admin here");

  addConfigFlags(
    cmd
      .command("create <username>")
      .description("Create an account; the password is read from stdin or asked for"),
  )
    .option("--role <role>", `one of ${ROLES.join(", ")}`, role, "agent")
    .option("--display-name <name>", "name shown to customers and colleagues")
    .option("--password-stdin", "read the password from stdin even on a terminal")
    .action(
      async (
        username: string,
        flags: Flags & { role: "admin" | "agent" | "viewer"; displayName?: string; passwordStdin?: boolean },
      ) => {
        const password = await readPassword(flags);
        const { accounts, close } = await openAccounts(flags);
        try {
          const a = await accounts.create({
            username,
            password,
            role: flags.role,
            displayName: flags.displayName,
          });
          process.stdout.write(`created ${a.role} ${a.username} (id ${a.id})\n`);
        } catch (err) {
          throw new UserInputError((err as Error).message);
        } finally {
          await close();
        }
      },
    );

  addConfigFlags(cmd.command("list").description("List accounts"))
    .option("--json", "print JSON")
    .action(async (flags: Flags & { json?: boolean }) => {
      const { accounts, close } = await openAccounts(flags);
      try {
        const list = await accounts.list();
        if (flags.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else
          for (const a of list)
            process.stdout.write(`${a.id}\t${a.username}\t${a.role}${a.disabled ? "\tdisabled" : ""}\n`);
      } finally {
        await close();
      }
    });

  addConfigFlags(
    cmd
      .command("set-password <username>")
      .description("Replace a password (signs the account out everywhere)"),
  )
    .option("--password-stdin", "read the password from stdin even on a terminal")
    .action(async (username: string, flags: Flags & { passwordStdin?: boolean }) => {
      const password = await readPassword(flags);
      const { accounts, close } = await openAccounts(flags);
      try {
        const a = (await accounts.list()).find((x) => x.username.toLowerCase() === username.toLowerCase());
        if (!a) throw new UserInputError(`no account named ${username}`);
        await accounts.setPassword(a.id, password).catch((err: Error) => {
          throw new UserInputError(err.message);
        });
        process.stdout.write(`password of ${a.username} changed\n`);
      } finally {
        await close();
      }
    });

  addConfigFlags(
    cmd.command("disable <username>").description("Disable an account and end its sessions"),
  ).action(async (username: string, flags: Flags) => {
    const { accounts, close } = await openAccounts(flags);
    try {
      const a = (await accounts.list()).find((x) => x.username.toLowerCase() === username.toLowerCase());
      if (!a) throw new UserInputError(`no account named ${username}`);
      await accounts.update(a.id, { disabled: true });
      process.stdout.write(`disabled ${a.username}\n`);
    } finally {
      await close();
    }
  });
}
