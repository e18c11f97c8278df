import { UserInputError } from "@seekdesk/core";
import type { TicketStatus } from "@seekdesk/store";
import type { Command } from "commander";
import { addConfigFlags } from "../config/flags.ts";
import { formatColumns } from "./columns.ts";
import { openDeskStore, type StoreFlags } from "./users.ts";

const STATUSES: readonly TicketStatus[] = ["queued", "assigned", "closed"];

export function registerTickets(program: Command): void {
  const tickets = program.command("tickets").description("Hand-off tickets of the service desk");

  addConfigFlags(tickets.command("list").description("List hand-off tickets, the queue first (oldest first)"))
    .option("--status <status>", "queued, assigned or closed (default: queued and assigned)")
    .option("--json", "print JSON lines")
    .action(async (flags: StoreFlags & { status?: string; json?: boolean }) => {
      if (flags.status !== undefined && !STATUSES.includes(flags.status as TicketStatus))
        throw new UserInputError(`--status: expected queued, assigned or closed, got ${flags.status}`);
      const store = await openDeskStore(flags, "tickets");
      try {
        const statuses = flags.status ? [flags.status as TicketStatus] : (["queued", "assigned"] as const);
        const rows = [];
        for (const status of statuses) rows.push(...(await store.listTickets({ status })));
        if (flags.json) {
          for (const t of rows) process.stdout.write(`${JSON.stringify(t)}\n`);
          return;
        }
        const lines = [["ID", "STATUS", "POS", "AGENT", "REASON", "USER", "CREATED"]];
        let position = 0;
        for (const t of rows) {
          lines.push([
            t.id,
            t.status,
            t.status === "queued" ? String(++position) : "-",
            t.agentId ?? "-",
            t.reason,
            t.userId,
            t.createdAt,
          ]);
        }
        process.stdout.write(formatColumns(lines));
      } finally {
        await store.close();
      }
    });
}
