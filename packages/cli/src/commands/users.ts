import { writeFileSync } from "node:fs";
import { eraseUserData, exportUserData, type UserErasure } from "@seekdesk/assistant/service/erase-user.ts";
import { ConversationEventBus, type DeskEventBus } from "@seekdesk/assistant/service/events.ts";
import { ReplicatedEventBus } from "@seekdesk/assistant/service/replicated-events.ts";
import { UserInputError } from "@seekdesk/core";
import { resolveDataPaths } from "@seekdesk/gateway";
import {
  type ConversationStore,
  type FeedbackRepository,
  openPostgresConversationStore,
  openPostgresFeedbackRepository,
  openSqliteConversationStore,
  PostgresConversationStore,
  PostgresDeskEvents,
  SqliteConversationStore,
  SqliteFeedbackRepository,
} from "@seekdesk/store";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load-config.ts";

export interface StoreFlags {
  config?: string;
  dataDir?: string;
}

/**
 * The conversation store the server uses, from the same config (SQLite file or Postgres). On
 * Postgres it opens the command's one small pool, which the feedback and the erasure's events
 * borrow, and closes it when the store is closed. Its connections are named `seekdesk <command>`
 * in pg_stat_activity, apart from the servers' `seekdesk`.
 */
export async function openDeskStore(flags: StoreFlags, command: string): Promise<ConversationStore> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (config.store.driver === "postgres")
    return openPostgresConversationStore(config.store.url as string, {
      max: 3,
      applicationName: `seekdesk ${command}`,
    });
  return openSqliteConversationStore(resolveDataPaths(config).sqlite);
}

/** The ratings and intent verdicts beside `store`: in its SQLite file, or in the same Postgres. */
async function openDeskFeedback(store: ConversationStore, flags: StoreFlags): Promise<FeedbackRepository> {
  if (store instanceof SqliteConversationStore) return new SqliteFeedbackRepository(store.db);
  if (store instanceof PostgresConversationStore) return openPostgresFeedbackRepository(store.db);
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  return openPostgresFeedbackRepository(config.store.url as string, {
    max: 1,
    applicationName: "seekdesk users",
  });
}

/**
 * Where an erasure is announced. On Postgres the servers LISTEN for desk events, so the CLI
 * publishes through the same channel and every replica's agent consoles and customer streams drop
 * the user's tickets and conversations at once. On SQLite a server keeps its bus in its own
 * memory, out of the CLI's reach: nobody hears this bus, and the caller is told so.
 */
function erasureBus(
  store: ConversationStore,
  flags: StoreFlags,
): { bus: DeskEventBus; live: boolean; warnings: string[] } {
  const config = loadConfig({ file: flags.config, env: process.env, flags: { dataDir: flags.dataDir } });
  if (store.kind !== "postgres" || config.store.driver !== "postgres")
    return { bus: new ConversationEventBus(), live: false, warnings: [] };
  const warnings: string[] = [];
  const bus = new ReplicatedEventBus({
    channel: new PostgresDeskEvents(
      store instanceof PostgresConversationStore ? store.db : (config.store.url as string),
      { applicationName: "seekdesk users" },
    ),
    store,
    onError: (err, what) => warnings.push(`${what}: ${(err as Error).message}`),
  });
  return { bus, live: true, warnings };
}

export function registerUsers(program: Command): void {
  const users = program
    .command("users")
    .description("Customer data held by the service desk: export it, erase it (data-subject requests)");

  addConfigFlags(users.command("export <userId>").description("Write everything stored about a user as JSON"))
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (userId: string, flags: StoreFlags & { output?: string }) => {
      const store = await openDeskStore(flags, "users");
      const feedback = await openDeskFeedback(store, flags).catch(async (err: unknown) => {
        await store.close();
        throw err;
      });
      try {
        const data = await exportUserData(store, feedback, userId);
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
        await feedback.close();
        await store.close();
      }
    });

  addConfigFlags(
    users
      .command("delete <userId>")
      .description(
        "Erase a user's profile, conversations, messages, tickets, ratings and intent verdicts (cannot be undone)",
      ),
  )
    .option("--yes", "confirm the erasure")
    .action(async (userId: string, flags: StoreFlags & { yes?: boolean }) => {
      if (!flags.yes) throw new UserInputError(`refusing to erase ${userId} without --yes`);
      const store = await openDeskStore(flags, "users");
      const feedback = await openDeskFeedback(store, flags).catch(async (err: unknown) => {
        await store.close();
        throw err;
      });
      const { bus, live, warnings } = erasureBus(store, flags);
      let r: UserErasure;
      try {
        r = await eraseUserData(store, feedback, bus, userId);
      } finally {
        // Every notification is handed to Postgres before the process exits.
        await bus.close?.();
        await feedback.close();
        await store.close();
      }
      process.stdout.write(
        `erased ${userId}: profile ${r.profile ? "yes" : "none"}, ${r.conversations} conversations, ${r.messages} messages, ${r.tickets} tickets, ${r.ratings} ratings, ${r.intentVerdicts} intent verdicts\n`,
      );
      if (warnings.length > 0)
        process.stderr.write(
          `warning: running servers may not have been told (${warnings.join("; ")}); their agent consoles drop the erased tickets when they reload\n`,
        );
      else if (!live && r.conversations + r.tickets > 0)
        process.stderr.write(
          "note: a server running on this SQLite file is not told: its open agent consoles and customer chats show the erased data until they reload or act on it. For an immediate effect erase through the server: DELETE /api/users/<id>\n",
        );
    });
}
