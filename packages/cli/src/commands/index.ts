import type { Command } from "commander";
import { registerAccounts } from "./accounts.ts";
import { registerConfig } from "./config.ts";
import { registerData } from "./data.ts";
import { registerEvalIntents } from "./eval-intents.ts";
import { registerEvalRetrieval } from "./eval-retrieval.ts";
import { registerEvalSlots } from "./eval-slots.ts";
import { registerKb } from "./kb.ts";
import { registerKeys } from "./keys.ts";
import { registerModelConvert } from "./model-convert.ts";
import { registerModelInspect } from "./model-inspect.ts";
import { registerModelQuantize } from "./model-quantize.ts";
import { registerServe } from "./serve.ts";
import { registerTickets } from "./tickets.ts";
import { registerUsers } from "./users.ts";

/**
 * Each command group lives in its own module and adds itself here, so the entry point stays
 * small and groups never edit each other's files. Add one line per module.
 */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerKeys(program);
  registerConfig(program);
  registerAccounts(program);
  registerKb(program);
  registerData(program);
  registerUsers(program);
  registerTickets(program);
  const model = program
    .command("model")
    .description("Convert, quantize and inspect model checkpoints (Hugging Face safetensors, GGUF)");
  registerModelConvert(model);
  registerModelQuantize(model);
  registerModelInspect(model);
  const evalCmd = program
    .command("eval")
    .description("Evaluate intents, retrieval and slots on labelled data sets");
  registerEvalIntents(evalCmd);
  registerEvalRetrieval(evalCmd);
  registerEvalSlots(evalCmd);
}
