import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { makeScaledCheckpoint } from "./make-checkpoint.ts";

/**
 * Question: does `seekdesk model convert --type q8_0` stream, keeping memory near the largest
 * tensor, and how fast is it? Generates a DeepSeek-V3-architecture checkpoint of --gb GB, converts
 * it with our streaming converter and with a naive whole-file approach (each in a child process),
 * and prints input MB/s and peak RSS (VmHWM) for both.
 *
 *   npx tsx bench/convert/main.ts --gb 2 [--dir /big/tmp] [--keep]
 */
const { values } = parseArgs({
  options: {
    gb: { type: "string", default: "1" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const gb = Number(values.gb);
if (!(gb > 0)) throw new Error(`--gb must be a positive number, got ${values.gb}`);

const work = mkdtempSync(join(values.dir ?? tmpdir(), "seekdesk-bench-convert-"));
const run = promisify(execFile);

interface ChildResult {
  mode: string;
  seconds: number;
  bytesIn: number;
  peakRssBytes: number;
}

async function measure(
  mode: "streaming" | "bf16" | "quantize" | "naive",
  hfDir: string,
  out: string,
): Promise<ChildResult> {
  const child = join(import.meta.dirname, "child.ts");
  const { stdout } = await run(
    process.execPath,
    ["--max-old-space-size=16384", "--import", "tsx", child, mode, hfDir, out],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as ChildResult;
}

try {
  process.stderr.write(`generating a ${gb} GB deepseek_v3-architecture checkpoint in ${work} ...\n`);
  const ckpt = await makeScaledCheckpoint(join(work, "hf"), gb);
  process.stderr.write(
    `${ckpt.tensors} tensors, ${ckpt.layers} layers, ${(ckpt.bytes / 1e6).toFixed(0)} MB; converting ...\n`,
  );
  const ours = await measure("streaming", ckpt.dir, join(work, "streaming.gguf"));
  rmSync(join(work, "streaming.gguf"), { force: true });
  const toBf16 = await measure("bf16", ckpt.dir, join(work, "bf16.gguf"));
  const requant = await measure("quantize", join(work, "bf16.gguf"), join(work, "requant.gguf"));
  rmSync(join(work, "bf16.gguf"), { force: true });
  rmSync(join(work, "requant.gguf"), { force: true });
  const peer = await measure("naive", ckpt.dir, join(work, "naive.gguf"));
  const naiveSize = statSync(join(work, "naive.gguf")).size;
  rmSync(join(work, "naive.gguf"), { force: true });

  const mb = 1e6;
  const target = 2 * ckpt.largestTensorBytes + 200 * mb;
  const rows: string[][] = [
    ["measure", "ours (streaming)", "naive whole-file", "ratio (ours/naive)"],
    [
      "input MB/s",
      (ours.bytesIn / mb / ours.seconds).toFixed(1),
      (peer.bytesIn / mb / peer.seconds).toFixed(1),
      (peer.seconds / ours.seconds).toFixed(2),
    ],
    [
      "peak RSS MB",
      (ours.peakRssBytes / mb).toFixed(0),
      (peer.peakRssBytes / mb).toFixed(0),
      (ours.peakRssBytes / peer.peakRssBytes).toFixed(2),
    ],
    ["seconds", ours.seconds.toFixed(1), peer.seconds.toFixed(1), (ours.seconds / peer.seconds).toFixed(2)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(
    rows
      .map((r) =>
        r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "),
      )
      .join("\n"),
  );
  console.log(
    `checkpoint: ${(ckpt.bytes / mb).toFixed(0)} MB BF16, ${ckpt.layers} layers, largest tensor ${(ckpt.largestTensorBytes / mb).toFixed(0)} MB (${((2 * ckpt.largestTensorBytes) / mb).toFixed(0)} MB as float32); Q8_0 output ${(naiveSize / mb).toFixed(0)} MB`,
  );
  console.log(
    `also: convert to BF16 ${(toBf16.bytesIn / mb / toBf16.seconds).toFixed(1)} MB/s, peak RSS ${(toBf16.peakRssBytes / mb).toFixed(0)} MB; model quantize BF16 GGUF -> Q8_0 ${(requant.bytesIn / mb / requant.seconds).toFixed(1)} MB/s, peak RSS ${(requant.peakRssBytes / mb).toFixed(0)} MB (${requant.peakRssBytes < target ? "meets" : "misses"} the target)`,
  );
  console.log(
    `target peak RSS < 2 x largest tensor + 200 MB = ${(target / mb).toFixed(0)} MB: ${ours.peakRssBytes < target ? "met" : "NOT met"} (${(ours.peakRssBytes / mb).toFixed(0)} MB)`,
  );
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
