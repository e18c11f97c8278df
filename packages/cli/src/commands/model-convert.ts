import { UserInputError } from "@seekdesk/core";
import {
  type ConvertProgress,
  convertCheckpoint,
  QUANT_TYPE_NAMES,
  SUPPORTED_ARCHITECTURES,
} from "@seekdesk/models";
import cliProgress from "cli-progress";
import type { Command } from "commander";

interface ConvertFlags {
  output: string;
  type: string;
  name?: string;
}

/** A progress bar on a terminal only: pipes and CI get nothing but the final line. */
function progress(): { update(p: ConvertProgress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "converting [{bar}] {percentage}% | {value}/{total} MB | {tensor}",
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const mb = (b: number) => Math.round(b / 1e6);
      if (!started) {
        bar.start(Math.max(1, mb(p.bytesTotal)), 0, { tensor: "" });
        started = true;
      }
      bar.update(mb(p.bytesDone), { tensor: p.tensor });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function registerModelConvert(model: Command): void {
  model
    .command("convert")
    .description(
      "Convert a Hugging Face checkpoint folder (safetensors) to one GGUF file that llama.cpp runs",
    )
    .argument("<hf-dir>", "folder with config.json, *.safetensors (single or sharded) and tokenizer.json")
    .requiredOption("-o, --output <out.gguf>", "output GGUF (written to a temporary file, then renamed)")
    .option("--type <type>", `weight type: ${QUANT_TYPE_NAMES.join(", ")}`, "bf16")
    .option("--name <name>", "general.name to store (default: the folder's name)")
    .addHelpText(
      "after",
      `\nSupported architectures: ${SUPPORTED_ARCHITECTURES.join(", ")}.\nF8_E4M3 checkpoints with 128x128 weight_scale_inv blocks (DeepSeek-V3) are dequantized on the fly.\n\nExample:\n  seekdesk model convert ./DeepSeek-R1-Distill-Qwen-1.5B -o r1-qwen-1.5b-q4_k.gguf --type q4_k`,
    )
    .action(async (hfDir: string, flags: ConvertFlags) => {
      if (!flags.output.endsWith(".gguf"))
        throw new UserInputError(`--output must end in .gguf, got ${flags.output}`);
      const abort = new AbortController();
      // Ctrl-C aborts between tensors; the writer removes its temporary file before we exit.
      const onSigint = () => abort.abort(new UserInputError("interrupted; no output written", 130));
      process.once("SIGINT", onSigint);
      const bar = progress();
      const started = Date.now();
      try {
        const result = await convertCheckpoint(hfDir, flags.output, {
          type: flags.type,
          name: flags.name,
          signal: abort.signal,
          onProgress: (p) => bar.update(p),
        });
        bar.stop();
        const secs = (Date.now() - started) / 1000;
        const types = Object.entries(result.typeCounts)
          .map(([t, n]) => `${n} ${t}`)
          .join(", ");
        process.stdout.write(
          `${result.outPath}: ${result.hfArchitecture} → ${result.arch}, ${result.tensorCount} tensors (${types}), ${(result.bytesWritten / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s, pre-tokenizer ${result.preTokenizer}\n`,
        );
      } catch (err) {
        bar.stop();
        if (abort.signal.aborted) throw abort.signal.reason;
        throw err;
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });
}
