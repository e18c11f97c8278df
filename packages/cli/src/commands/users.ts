import { writeFileSync } from "node:fs";
import { UserInputError } from "@seekdesk/core";
import { resolveDataPaths } from "@seekdesk/gateway";
import {
  type ConversationStore,
  openPostgresConversationStore,
  openSqliteConversationStore,
} from "@seekdesk/store";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";

export interface StoreFlags {
  config?: string;
  dataDir?: string;
}

/** The conversation store the server uses, from the same config (SQLite file or Postgres). */
export async function openDeskStore(flags: StoreFlags): Promise<ConversationStore> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (config.store.driver === "postgres")
    return openPostgresConversationStore(config.store.url as string, { max: 2 });
  return openSqliteConversationStore(resolveDataPaths(config).sqlite);
}

export function registerUsers(program: Command): void {
  const users = program
    .command("users")
    .description("Customer data held by the service desk: export it, erase it (data-subject requests)");

  addConfigFlags(users.command("export <userId>").description("Write everything stored about a user as JSON"))
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (userId: string, flags: StoreFlags & { output?: string }) => {
      const store = await openDeskStore(flags);
      try {
        const data = await store.exportUser(userId);
        if (!data.profile && data.conversations.length === 0 && data.tickets.length === 0)
          throw new UserInputError(`nothing is stored about user ${userId}`);
        const json = `${JSON.stringify(data, null, 2)}\n`;
        if (flags.output) {
          writeFileSync(flags.output, json);
          process.stderr.write(
            `wrote ${flags.output}: ${data.conversations.length} conversations, ${data.tickets.length} tickets\n`,
          );
        } else process.stdout.write(json);
      } finally {
        await store.close();
      }
    });

  addConfigFlags(
    users
      .command("delete <userId>")
      .description("Erase a user's profile, conversations, messages and tickets (cannot be undone)"),
  )
    .option("--yes", "confirm the erasure")
    .action(async (userId: string, flags: StoreFlags & { yes?: boolean }) => {
      if (!flags.yes) throw new UserInputError(`refusing to erase ${userId} without --yes`);
      const store = await openDeskStore(flags);
      try {
        const r = await store.deleteUser(userId);
        process.stdout.write(
          `erased ${userId}: profile ${r.profile ? "yes" : "none"}, ${r.conversations} conversations, ${r.messages} messages, ${r.tickets} tickets\n`,
        );
      } finally {
        await store.close();
      }
    });
}
