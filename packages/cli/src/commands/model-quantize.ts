import {
  type ErrorStats,
  formatBytes,
  QUANT_TYPE_NAMES,
  type QuantizeProgress,
  quantizeGguf,
  type TensorQuantReport,
} from "@seekdesk/models";
import type { Command } from "commander";
import { integerFlag } from "./option-parsers.ts";

interface QuantizeFlags {
  output: string;
  threads?: number;
  type: string;
  report?: boolean;
  json?: boolean;
}

/** A one-line progress bar on stderr, drawn only on a terminal so pipes and CI stay quiet. */
function progressBar(stream: NodeJS.WriteStream): ((p: QuantizeProgress) => void) & { done(): void } {
  const started = Date.now();
  let last = 0;
  const draw = (p: QuantizeProgress) => {
    const now = Date.now();
    if (now - last < 100 && p.tensorsDone < p.tensorsTotal) return;
    last = now;
    const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.tensorsDone / p.tensorsTotal;
    const width = 30;
    const filled = Math.round(frac * width);
    const rate = p.bytesDone / Math.max(0.001, (now - started) / 1000);
    stream.write(
      `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${p.tensorsDone}/${p.tensorsTotal} tensors  ${formatBytes(rate)}/s `,
    );
  };
  const bar = Object.assign(stream.isTTY ? draw : () => {}, {
    done: () => {
      if (stream.isTTY) stream.write("\n");
    },
  });
  return bar;
}

function fmtStats(s: ErrorStats | undefined): string[] {
  if (!s) return ["", "", ""];
  return [
    s.mse.toExponential(2),
    s.maxAbs.toExponential(2),
    Number.isFinite(s.snrDb) ? s.snrDb.toFixed(1) : "inf",
  ];
}

function reportTable(tensors: TensorQuantReport[]): string {
  const rows = [
    ["tensor", "shape", "type", "int8 mse", "int8 max", "int8 snr", "mse", "max abs", "snr dB"],
    ...tensors
      .filter((t) => t.chosen)
      .map((t) => [t.name, t.dims.join("x"), t.to.toLowerCase(), ...fmtStats(t.int8), ...fmtStats(t.chosen)]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "))
    .join("\n");
}

export function registerModelQuantize(model: Command): void {
  model
    .command("quantize")
    .description(
      "Requantize an F32/F16/BF16 GGUF to Q8_0, Q4_0, Q4_K or Q6_K, tensor by tensor, as llama.cpp would",
    )
    .argument("<in.gguf>", "input GGUF (F32, F16 or BF16 weights)")
    .requiredOption("-o, --output <out.gguf>", "output GGUF (written to a temporary file, then renamed)")
    .option("--type <type>", `target type: ${QUANT_TYPE_NAMES.join(", ")}`, "q4_k")
    .option("--report", "per tensor: error of symmetric int8 and of the chosen type (MSE, max abs, SNR dB)")
    .option(
      "--threads <n>",
      "worker threads for the k-quants (default: all cores, at most 16)",
      integerFlag("threads"),
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nNorms, biases and the MoE router stay F32; output.weight gets Q6_K; rows that do not divide\ninto 256 fall back to Q5_0 (q4_k) or Q8_0 (q6_k), as llama-quantize does.\n\nExample:\n  seekdesk model quantize model-bf16.gguf -o model-q4_k.gguf --type q4_k --report",
    )
    .action(async (input: string, flags: QuantizeFlags) => {
      const bar = progressBar(process.stderr);
      const started = Date.now();
      const result = await quantizeGguf(input, flags.output, {
        type: flags.type,
        report: flags.report,
        threads: flags.threads,
        onProgress: bar,
      });
      bar.done();
      const seconds = (Date.now() - started) / 1000;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...result, seconds }, null, 2)}\n`);
        return;
      }
      const types = Object.entries(result.typeCounts)
        .map(([t, n]) => `${n} ${t}`)
        .join(", ");
      process.stdout.write(
        `wrote ${result.outPath} (${result.type}): ${result.tensorCount} tensors (${types}), ${formatBytes(result.bytesRead)} -> ${formatBytes(result.bytesWritten)} in ${seconds.toFixed(1)} s\n`,
      );
      if (flags.report) process.stdout.write(`\n${reportTable(result.tensors)}\n`);
    });
}
