import type { Command } from "commander";
import { addServeFlags, flagsToConfig, type ServeFlags } from "../config/flags.ts";
import { configFilePath, loadConfig, redactConfig } from "../config/load-config.ts";

export function registerConfig(program: Command): void {
  const cmd = program
    .command("config")
    .description("Show or check the effective configuration (file < SEEKDESK_* env < flags)");
  addServeFlags(
    cmd.command("show").description("Print the merged, validated configuration as JSON (secrets masked)"),
  ).action((flags: ServeFlags) => {
    const config = loadConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags) });
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
  });
  addServeFlags(
    cmd.command("check").description("Validate the configuration; exits non-zero naming the bad field"),
  ).action((flags: ServeFlags) => {
    loadConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags) });
    const file = configFilePath({ file: flags.config, env: process.env });
    process.stderr.write(`config ok${file ? ` (${file})` : " (defaults, env and flags; no file)"}\n`);
  });
}
