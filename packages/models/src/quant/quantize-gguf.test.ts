import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@seekdesk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GgmlType } from "../gguf/ggml-types.ts";
import { ggufMeta, readGguf, readGgufTensorData } from "../gguf/reader.ts";
import { type FixtureName, fixtureGguf } from "../testing/fixture-gguf.ts";
import { compareLogits, loadGgufModel, loadReference } from "../testing/reference-eval.ts";
import { quantizeGguf } from "./quantize-gguf.ts";

const tmp = mkdtempSync(join(tmpdir(), "seekdesk-quantize-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "packages/cli/src/main.ts"), ...args],
      {
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.each(["deepseek_v3", "qwen2"] as FixtureName[])("%s: quantized fixture in llama.cpp", (name) => {
  let bf16 = "";
  beforeAll(async () => {
    bf16 = await fixtureGguf(name, "bf16");
  }, 600_000);

  it("Q8_0: loads in node-llama-cpp and keeps the reference top-1 where the margin exceeds 0.1", async () => {
    const out = join(tmp, `${name}-q8_0.gguf`);
    const result = await quantizeGguf(bf16, out, { type: "q8_0", report: true });
    const model = await loadGgufModel(out);
    try {
      // Each position's probabilities cost a vocab-sized map: the MoE fixture gets every case, qwen2 one.
      const cases = loadReference(name).slice(0, name === "deepseek_v3" ? 3 : 1);
      const rows = await compareLogits(model, cases);
      const checked = rows.filter((r) => r.refMargin > 0.1);
      const worst = Math.max(...rows.map((r) => r.maxAbsError));
      console.log(
        `${name} q8_0: max |Δlogit| ${worst.toFixed(4)} over ${rows.length} positions; top-1 checked at ${checked.length}`,
      );
      expect(checked.length).toBeGreaterThan(0);
      for (const r of checked) expect(r.ourTop1, `case ${r.caseIndex} pos ${r.position}`).toBe(r.refTop1);
    } finally {
      await model.dispose();
    }
    // Byte for byte what the converter writes with --type q8_0: both paths encode the same floats.
    const ours = await readGguf(out);
    const direct = await readGguf(await fixtureGguf(name, "q8_0"));
    expect(ours.tensors.map((t) => [t.name, t.type])).toEqual(direct.tensors.map((t) => [t.name, t.type]));
    for (const [i, t] of ours.tensors.entries()) {
      const a = await readGgufTensorData(ours, t);
      const b = await readGgufTensorData(direct, direct.tensors[i]);
      expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), t.name).toBe(0);
    }
    expect(ggufMeta(ours, "general.file_type")).toBe(7);
    const src = await readGguf(bf16);
    for (const key of src.metadata.keys()) expect(ours.metadata.has(key), key).toBe(true);
    expect(ggufMeta(ours, "tokenizer.ggml.tokens")).toEqual(ggufMeta(src, "tokenizer.ggml.tokens"));
    // The report: every requantized tensor has both error measures; Q8_0's 32-value blocks beat one scale per row.
    const measured = result.tensors.filter((t) => t.chosen && t.int8);
    expect(measured.length).toBe(result.tensors.filter((t) => t.from !== t.to).length);
    const meanSnr = (k: "chosen" | "int8") =>
      measured.reduce((s, t) => s + (t[k]?.snrDb ?? 0), 0) / measured.length;
    expect(meanSnr("chosen")).toBeGreaterThan(meanSnr("int8"));
  }, 600_000);

  it("Q4_K: picks llama.cpp's types, loads, and keeps the top-1 where the margin exceeds 1", async () => {
    const out = join(tmp, `${name}-q4_k.gguf`);
    await quantizeGguf(bf16, out, { type: "q4_k" });
    const file = await readGguf(out);
    const typeOf = (n: string) => file.tensors.find((t) => t.name === n)?.type;
    expect(ggufMeta(file, "general.file_type")).toBe(15);
    expect(typeOf("blk.0.attn_norm.weight")).toBe(GgmlType.F32);
    expect(typeOf("output_norm.weight")).toBe(GgmlType.F32);
    if (name === "deepseek_v3") {
      expect(typeOf("blk.1.ffn_gate_inp.weight")).toBe(GgmlType.F32);
      expect(typeOf("blk.1.exp_probs_b.bias")).toBe(GgmlType.F32);
      // Rows of 32 do not divide into 256: llama.cpp's Q4_K fallback is Q5_0.
      expect(typeOf("blk.1.ffn_up_exps.weight")).toBe(GgmlType.Q5_0);
      expect(typeOf("output.weight")).toBe(GgmlType.Q8_0);
    } else {
      // Tied embeddings: token_embd is the output layer, which gets Q8_0 when rows are not 256-aligned.
      expect(typeOf("token_embd.weight")).toBe(GgmlType.Q8_0);
    }
    const model = await loadGgufModel(out);
    try {
      const ref = loadReference(name)[0];
      const rows = await compareLogits(model, [ref]);
      expect(rows).toHaveLength(ref.input_ids.length);
      const vocab = (ggufMeta(file, "tokenizer.ggml.tokens") as string[]).length;
      for (const r of rows)
        expect(Number.isInteger(r.ourTop1) && r.ourTop1 >= 0 && r.ourTop1 < vocab).toBe(true);
      const worst = Math.max(...rows.map((r) => r.maxAbsError));
      console.log(`${name} q4_k: max |Δlogit| ${worst.toFixed(4)} over ${rows.length} positions`);
      for (const r of rows.filter((x) => x.refMargin > 1)) expect(r.ourTop1).toBe(r.refTop1);
    } finally {
      await model.dispose();
    }
  }, 600_000);
});

describe("seekdesk model quantize (CLI)", () => {
  it("writes the file, reports per tensor as JSON, leaves no temporary file", async () => {
    const src = await fixtureGguf("llama", "bf16");
    const out = join(tmp, "cli-q6_k.gguf");
    const r = await cli(
      "model",
      "quantize",
      src,
      "-o",
      out,
      "--type",
      "q6_k",
      "--report",
      "--threads",
      "3",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(""); // no progress bar in a pipe
    const json = JSON.parse(r.stdout) as {
      threads: number;
      type: string;
      tensors: Array<{ name: string; to: string; chosen?: { snrDb: number } }>;
    };
    expect(json.type).toBe("q6_k");
    expect(json.threads).toBe(3);
    const attnQ = json.tensors.find((t) => t.name === "blk.0.attn_q.weight");
    expect(attnQ?.to).toBe("Q8_0"); // rows of 32: Q6_K falls back to Q8_0
    expect(attnQ?.chosen?.snrDb).toBeGreaterThan(30);
    expect(readdirSync(tmp).filter((f) => f.endsWith(".partial"))).toEqual([]);
    expect((await readGguf(out)).tensors.length).toBe((await readGguf(src)).tensors.length);
  }, 600_000);

  it("answers bad input with one line and a non-zero exit", async () => {
    const src = await fixtureGguf("llama", "bf16");
    const badType = await cli("model", "quantize", src, "-o", join(tmp, "x.gguf"), "--type", "q3_k");
    expect(badType.code).not.toBe(0);
    expect(badType.stderr.trim()).toBe(
      'seekdesk: unknown type "q3_k"; valid types: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k',
    );
    const threads = await cli("model", "quantize", src, "-o", join(tmp, "x.gguf"), "--threads", "0");
    expect(threads.code).not.toBe(0);
    expect(threads.stderr.trim()).toBe("seekdesk: --threads: expected an integer of at least 1, got 0");
    const missing = await cli("model", "quantize", join(tmp, "missing.gguf"), "-o", join(tmp, "y.gguf"));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^seekdesk: .*missing\.gguf: no such file\n$/);
    const requant = await cli(
      "model",
      "quantize",
      await fixtureGguf("llama", "q8_0"),
      "-o",
      join(tmp, "z.gguf"),
      "--type",
      "q4_0",
    );
    expect(requant.code).not.toBe(0);
    expect(requant.stderr).toMatch(/is already Q8_0; quantize from an F32, F16 or BF16 GGUF/);
    expect(
      readdirSync(tmp).filter(
        (f) => f.startsWith("x.") || f.startsWith("y.") || f.startsWith("z.") || f.endsWith(".partial"),
      ),
    ).toEqual([]);
  }, 600_000);
});
