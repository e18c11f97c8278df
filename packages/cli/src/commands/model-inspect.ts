import { formatInspectReport, inspectModel, parseByteSize } from "@seekdesk/models";
import type { Command } from "commander";
import { integerFlag } from "./option-parsers.ts";

interface InspectFlags {
  json?: boolean;
  ctx: number;
  gpuMem?: string;
}

export function registerModelInspect(model: Command): void {
  model
    .command("inspect")
    .description("Show a model's architecture, parameters (total and active per token) and memory plan")
    .argument(
      "<path>",
      "a Hugging Face folder (config.json + safetensors; only headers are read) or a .gguf file",
    )
    .option("--ctx <n>", "context length for the KV cache and fit check", integerFlag("ctx"), 4096)
    .option("--gpu-mem <size>", "GPU memory to plan for, e.g. 24GiB, 80GB (a bare G means GiB)")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nMLA models (DeepSeek V2/V3) list what llama.cpp allocates for the KV cache (the latent, K only,\nfor GGUFs with attn_k_b/attn_v_b) beside full per-head K/V and the theoretical latent.\n\nExample:\n  seekdesk model inspect ./DeepSeek-R1-Distill-Qwen-1.5B --ctx 32768 --gpu-mem 8GiB",
    )
    .action(async (path: string, flags: InspectFlags) => {
      const gpuMemBytes = flags.gpuMem === undefined ? undefined : parseByteSize(flags.gpuMem, "--gpu-mem");
      const report = await inspectModel(path, { ctx: flags.ctx, gpuMemBytes });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspectReport(report)}\n`,
      );
    });
}
