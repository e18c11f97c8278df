import type { Command } from "commander";

/**
 * Each command group lives in its own module and adds itself here, so the entry point stays
 * small and groups never edit each other's files.
 */
export function registerCommands(program: Command): void {
  void program;
}
