import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
  chooseTensorType,
  convertCheckpoint,
  encodeGgufHeader,
  fileTypeFor,
  type GgufTensorPlan,
  type GgufValue,
  gv,
  quantizeGguf,
  quantizeRows,
  SafetensorsCheckpoint,
} from "@seekdesk/models";
import { deepseek2Converter } from "@seekdesk/models/convert/arch/deepseek2.ts";
import { decodeBf16Array } from "@seekdesk/models/convert/numeric.ts";
import { buildGgufTokenizer } from "@seekdesk/models/tokenizer/gguf-vocab.ts";

/**
 * One measured run, in its own process so its peak RSS (VmHWM) is its own:
 *   child.ts streaming <hf-dir> <out.gguf>   seekdesk's convertCheckpoint --type q8_0, tensor by tensor
 *   child.ts bf16 <hf-dir> <out.gguf>        the same to BF16 (input for the next one)
 *   child.ts quantize <in.gguf> <out.gguf>   seekdesk model quantize --type q8_0 of that BF16 GGUF
 *   child.ts naive <hf-dir> <out.gguf>       the whole-file peer: read every file into memory,
 *                                            convert every tensor, then write the GGUF at once
 * Prints one JSON line: seconds, peak RSS and bytes.
 */
const [mode, dir, out] = process.argv.slice(2);

function vmHwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

async function naive(): Promise<number> {
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  const ckpt = await SafetensorsCheckpoint.open(dir);
  const files = new Map<string, Buffer>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".safetensors")))
    files.set(join(dir, f), readFileSync(join(dir, f)));
  // The same plan (renames, kv_b split, expert merge), reading from the in-memory files.
  const inMemory = Object.assign(Object.create(ckpt) as SafetensorsCheckpoint, {
    readFloat32: async (name: string) => {
      const info = ckpt.info(name);
      const buf = files.get(info.file);
      if (!buf) throw new Error(`no file ${info.file}`);
      return decodeBf16Array(buf.subarray(info.offset, info.offset + info.byteLength));
    },
  });
  const plan = deepseek2Converter.plan(cfg, inMemory);
  const floats = await Promise.all(plan.tensors.map((t) => t.load()));
  const requested = 8; // Q8_0
  const model = {
    layerCount: plan.layerCount,
    expertCount: plan.expertCount,
    tiedEmbeddings: plan.tiedEmbeddings,
  };
  const tensors: GgufTensorPlan[] = plan.tensors.map((j) => ({
    name: j.name,
    dims: j.dims,
    type: chooseTensorType(j.name, j.dims, requested, model),
  }));
  const encoded = tensors.map((t, i) => quantizeRows(t.type, floats[i], t.dims[0]));
  const tokenizer = buildGgufTokenizer(dir, Number(cfg.vocab_size), cfg);
  const [archEntry, ...archMeta] = plan.metadata;
  const metadata: Array<[string, GgufValue]> = [
    archEntry,
    ["general.name", gv.str(basename(dir))],
    ...archMeta,
    ["general.file_type", gv.u32(fileTypeFor(requested))],
    ["general.quantization_version", gv.u32(2)],
    ...tokenizer.metadata,
  ];
  const { header, offsets, sizes, alignment } = encodeGgufHeader(metadata, tensors);
  const last = offsets.length - 1;
  const dataLen = Math.ceil((offsets[last] + sizes[last]) / alignment) * alignment;
  const whole = Buffer.alloc(header.length + dataLen);
  header.copy(whole, 0);
  for (const [i, e] of encoded.entries()) whole.set(e, header.length + offsets[i]);
  writeFileSync(out, whole);
  await ckpt.close();
  return [...files.values()].reduce((a, b) => a + b.length, 0);
}

const started = performance.now();
let bytesIn: number;
if (mode === "streaming") {
  const r = await convertCheckpoint(dir, out, { type: "q8_0" });
  bytesIn = r.bytesRead;
} else if (mode === "bf16") {
  const r = await convertCheckpoint(dir, out, { type: "bf16" });
  bytesIn = r.bytesRead;
} else if (mode === "quantize") {
  const r = await quantizeGguf(dir, out, { type: "q8_0" });
  bytesIn = r.bytesRead;
} else if (mode === "naive") {
  bytesIn = await naive();
} else {
  throw new Error(`mode must be streaming, bf16, quantize or naive, got ${mode}`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ mode, seconds, bytesIn, peakRssBytes: vmHwmBytes() })}\n`);
