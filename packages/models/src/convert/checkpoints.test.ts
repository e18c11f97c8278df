import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fixtureModelDir, repoRoot } from "@seekdesk/core";
import { afterAll, describe, expect, it } from "vitest";
import { readGguf, readGgufTensorData } from "../gguf/reader.ts";
import { SafetensorsCheckpoint } from "../safetensors/reader.ts";
import { writeSafetensors } from "../safetensors/writer.ts";
import { f8e4m3ToF32, f32ToBf16, f32ToF8e4m3 } from "./numeric.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "convert-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bf16Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    const b = f32ToBf16(v);
    out[2 * i] = b & 0xff;
    out[2 * i + 1] = b >> 8;
  });
  return out;
}

/** A copy of the qwen2 fixture with its weights split over two shards and an index. */
async function shardedQwen(): Promise<string> {
  const src = fixtureModelDir("qwen2");
  const out = join(dir, "qwen2-sharded");
  mkdirSync(out);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"])
    symlinkSync(join(src, f), join(out, f));
  const ck = await SafetensorsCheckpoint.open(src);
  const names = ck.names;
  const half = Math.ceil(names.length / 2);
  const weightMap: Record<string, string> = {};
  for (const [i, part] of [names.slice(0, half), names.slice(half)].entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors = [];
    for (const n of part) {
      const info = ck.info(n);
      tensors.push({ name: n, dtype: info.dtype, shape: info.shape, data: await ck.readRaw(n) });
      weightMap[n] = file;
    }
    await writeSafetensors(join(out, file), tensors);
  }
  await ck.close();
  writeFileSync(
    join(out, "model.safetensors.index.json"),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return out;
}

const cli = (args: string[]) =>
  run(process.execPath, ["--import", "tsx", join(repoRoot, "packages/cli/src/main.ts"), ...args], {
    cwd: repoRoot,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe("safetensors reader", () => {
  it("dequantizes F8_E4M3 weights with 128x128 weight_scale_inv blocks", async () => {
    const rows = 130;
    const cols = 260; // partial blocks on both edges
    const codes = new Uint8Array(rows * cols);
    for (let i = 0; i < codes.length; i++) codes[i] = f32ToF8e4m3(((i % 37) - 18) / 4);
    const scales = new Float32Array([0.5, 2, 3, 0.25, 1.5, 8]); // [2, 3] blocks
    const path = join(dir, "f8.safetensors");
    await writeSafetensors(path, [
      { name: "w.weight", dtype: "F8_E4M3", shape: [rows, cols], data: codes },
      { name: "w.weight_scale_inv", dtype: "F32", shape: [2, 3], data: new Uint8Array(scales.buffer) },
      { name: "b", dtype: "BF16", shape: [3], data: bf16Bytes([1, -2.5, 3]) },
    ]);
    const ck = await SafetensorsCheckpoint.open(path);
    const w = await ck.readFloat32("w.weight");
    for (const [r, c] of [
      [0, 0],
      [127, 127],
      [128, 0],
      [0, 128],
      [129, 259],
      [5, 256],
    ]) {
      const scale = scales[Math.floor(r / 128) * 3 + Math.floor(c / 128)];
      expect(w[r * cols + c]).toBe(f8e4m3ToF32(codes[r * cols + c]) * scale);
    }
    expect([...(await ck.readFloat32("b"))]).toEqual([1, -2.5, 3]);
    await ck.close();
  });

  it("reports truncated and corrupt headers in one line", async () => {
    const p1 = join(dir, "short.safetensors");
    writeFileSync(p1, Buffer.from([1, 2, 3]));
    await expect(SafetensorsCheckpoint.open(p1)).rejects.toThrow(/truncated safetensors header/);
    const p2 = join(dir, "corrupt.safetensors");
    const hdr = Buffer.from("{not json");
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hdr.length));
    writeFileSync(p2, Buffer.concat([len, hdr]));
    await expect(SafetensorsCheckpoint.open(p2)).rejects.toThrow(/corrupt safetensors header/);
    const p3 = join(dir, "cut.safetensors");
    writeFileSync(p3, readFileSync(join(dir, "f8.safetensors")).subarray(0, 200));
    await expect(SafetensorsCheckpoint.open(p3)).rejects.toThrow(/truncated/);
  });
});

describe("seekdesk model convert", () => {
  it("converts a sharded checkpoint to the same GGUF tensors as the single file", async () => {
    const sharded = await shardedQwen();
    const a = join(dir, "sharded.gguf");
    const b = join(dir, "single.gguf");
    const r1 = await cli(["model", "convert", sharded, "-o", a, "--type", "f16"]);
    expect(r1.stderr).toBe("");
    expect(r1.code).toBe(0);
    expect(r1.stdout).toMatch(/Qwen2ForCausalLM → qwen2/);
    expect((await cli(["model", "convert", fixtureModelDir("qwen2"), "-o", b, "--type", "f16"])).code).toBe(
      0,
    );
    const [ga, gb] = [await readGguf(a), await readGguf(b)];
    expect(ga.tensors.map((t) => t.name)).toEqual(gb.tensors.map((t) => t.name));
    expect(ga.tensors.some((t) => t.name === "output.weight")).toBe(false); // tied embeddings
    for (const t of ga.tensors.slice(0, 6)) {
      const u = gb.tensors.find((x) => x.name === t.name);
      if (!u) throw new Error(t.name);
      expect(
        Buffer.compare(
          Buffer.from(await readGgufTensorData(ga, t)),
          Buffer.from(await readGgufTensorData(gb, u)),
        ),
      ).toBe(0);
    }
  });

  it("fails with one line and no output on every kind of bad input", async () => {
    const out = join(dir, "bad.gguf");
    const unsupported = join(dir, "mistral");
    mkdirSync(unsupported);
    writeFileSync(
      join(unsupported, "config.json"),
      JSON.stringify({ architectures: ["MistralForCausalLM"] }),
    );
    const noWeights = join(dir, "no-weights");
    mkdirSync(noWeights);
    symlinkSync(join(fixtureModelDir("llama"), "config.json"), join(noWeights, "config.json"));
    const badHeader = join(dir, "bad-header");
    mkdirSync(badHeader);
    symlinkSync(join(fixtureModelDir("llama"), "config.json"), join(badHeader, "config.json"));
    writeFileSync(join(badHeader, "model.safetensors"), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1]));
    const badGguf = join(dir, "bad.bin.gguf");
    writeFileSync(badGguf, "not a gguf at all");
    const cases: Array<[string[], RegExp]> = [
      [["model", "convert", join(dir, "missing"), "-o", out], /no such folder/],
      [
        ["model", "convert", unsupported, "-o", out],
        /unsupported architecture MistralForCausalLM; supported: DeepseekV3ForCausalLM, DeepseekV2ForCausalLM, Qwen2ForCausalLM, LlamaForCausalLM/,
      ],
      [["model", "convert", noWeights, "-o", out], /no model.safetensors/],
      [["model", "convert", badHeader, "-o", out], /corrupt safetensors header|truncated safetensors header/],
      [["model", "convert", fixtureModelDir("llama"), "-o", out, "--type", "q3_x"], /unknown type "q3_x"/],
      [["model", "quantize", badGguf, "-o", out], /bad GGUF magic/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect(readdirSync(dir).filter((f) => f.includes("bad.gguf"))).toEqual([]);
  });
});
