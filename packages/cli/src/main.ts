#!/usr/bin/env -S node --import tsx
import { ConfigError, SeekdeskError, StoreUnavailableError, UserInputError } from "@seekdesk/core";
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.ts";

// `seekdesk ... | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const program = new Command()
  .name("seekdesk")
  .description("Run DeepSeek models on your own machines with an intelligent customer service on top.")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof UserInputError) {
    process.stderr.write(`seekdesk: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else if (err instanceof ConfigError) {
    // Found after loading (a model a section names that models does not serve): still the user's to fix.
    process.stderr.write(`seekdesk: ${err.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof SeekdeskError && err.status < 500) {
    // Refused for what was asked (a revoked key changed, a value out of range): one line, no stack.
    process.stderr.write(`seekdesk: ${err.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof StoreUnavailableError) {
    // An outage (Postgres stopped, unreachable, its pool full) is no bug: one line, with the driver's words.
    process.stderr.write(`seekdesk: ${storeUnavailableLine(err)}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`seekdesk: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}

function storeUnavailableLine(err: StoreUnavailableError): string {
  const cause = causeText(err.cause);
  return cause && !err.message.includes(cause) ? `${err.message} (${err.reason}: ${cause})` : err.message;
}

function causeText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(causeText).join("; ");
  return err instanceof Error ? err.message : err === undefined ? "" : String(err);
}
