import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fixtureModelDir, repoRoot, UserInputError } from "@seekdesk/core";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureGguf } from "../testing/fixture-gguf.ts";
import { inspectModel, parametersFromShape, parseByteSize, shapeFromHfConfig } from "./index.ts";

const FIXTURES = ["deepseek_v3", "deepseek_v2", "qwen2", "llama"] as const;
const tmp = mkdtempSync(join(tmpdir(), "seekdesk-inspect-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Reads a safetensors header the plain way: 8-byte length, then JSON. */
function rawHeader(dir: string): Record<string, { dtype: string; shape: number[] }> {
  const buf = readFileSync(join(dir, "model.safetensors"));
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + len).toString("utf8"));
  delete header.__metadata__;
  return header;
}

describe("parameters of the fixtures", () => {
  for (const name of FIXTURES) {
    it(`${name}: header count equals the config formula count`, async () => {
      const dir = fixtureModelDir(name);
      const header = rawHeader(dir);
      const elements = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const total = Object.values(header).reduce((a, t) => a + elements(t.shape), 0);
      const routed = Object.entries(header)
        .filter(([k]) => k.includes(".mlp.experts."))
        .reduce((a, [, t]) => a + elements(t.shape), 0);
      const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      const k = cfg.num_experts_per_tok ?? 1;
      const E = cfg.n_routed_experts ?? 1;

      const report = await inspectModel(dir);
      expect(report.countedFrom).toBe("tensor headers");
      expect(report.parameters.total).toBe(total);
      expect(report.parameters.routedExperts).toBe(routed);
      expect(report.parameters.activePerToken).toBe(total - routed + (routed * k) / E);

      const formula = parametersFromShape(shapeFromHfConfig(cfg));
      expect(formula.total).toBe(total);
      expect(formula.activePerToken).toBe(report.parameters.activePerToken);
      console.log(`${name}: ${total} parameters, ${report.parameters.activePerToken} active per token`);
    });
  }

  it("deepseek_v3 fixture: experts, layers and MLA cache sizes", async () => {
    const r = await inspectModel(fixtureModelDir("deepseek_v3"), { ctx: 1000 });
    expect(r.llamaArchitecture).toBe("deepseek2");
    expect(r.experts).toEqual({
      routed: 8,
      shared: 1,
      activePerToken: 2,
      denseLeadingLayers: 1,
      moeLayers: 2,
    });
    // 3 layers × (kv_lora_rank 16 + rope 8) × 2 bytes, and 3 × 4 heads × (8 + 8 + 8) × 2 bytes.
    expect(r.kvCache.llamaCppLayout).toBe("mla-latent");
    expect(r.kvCache.llamaCppBytesPerToken).toBe(3 * 24 * 2);
    expect(r.kvCache.fullKvBytesPerToken).toBe(3 * 4 * 24 * 2);
    expect(r.kvCache.latentBytes).toBe(3 * 24 * 2 * 1000);
  });

  it("qwen2 fixture: GQA cache and tied embeddings", async () => {
    const r = await inspectModel(fixtureModelDir("qwen2"), { ctx: 2048 });
    expect(r.experts).toBeUndefined();
    expect(r.tensorTypes).toEqual([
      { type: "BF16", tensors: 38, parameters: r.parameters.total, bytes: 2 * r.parameters.total },
    ]);
    // 3 layers × K and V × 2 KV heads × head dim 8 × 2 bytes
    expect(r.kvCache.llamaCppBytesPerToken).toBe(3 * 2 * 2 * 8 * 2);
    expect(r.kvCache.latentBytesPerToken).toBeUndefined();
    // BF16 plan: matrices at 2 bytes, the 1-D norms and biases at 4 (F32).
    const header = rawHeader(fixtureModelDir("qwen2"));
    const expected = Object.values(header).reduce(
      (a, t) => a + t.shape.reduce((x, y) => x * y, 1) * (t.shape.length >= 2 ? 2 : 4),
      0,
    );
    expect(r.weights.find((w) => w.type === "bf16")?.bytes).toBe(expected);
  });
});

// DeepSeek-V3's published config.json (the values that decide size and memory).
const DEEPSEEK_V3_CONFIG = {
  architectures: ["DeepseekV3ForCausalLM"],
  model_type: "deepseek_v3",
  vocab_size: 129280,
  hidden_size: 7168,
  intermediate_size: 18432,
  moe_intermediate_size: 2048,
  num_hidden_layers: 61,
  num_nextn_predict_layers: 1,
  num_attention_heads: 128,
  num_key_value_heads: 128,
  n_shared_experts: 1,
  n_routed_experts: 256,
  routed_scaling_factor: 2.5,
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  qk_nope_head_dim: 128,
  topk_method: "noaux_tc",
  n_group: 8,
  topk_group: 4,
  num_experts_per_tok: 8,
  first_k_dense_replace: 3,
  norm_topk_prob: true,
  max_position_embeddings: 163840,
  tie_word_embeddings: false,
  attention_bias: false,
};

describe("DeepSeek-V3 (config only)", () => {
  const dir = join(tmp, "deepseek-v3");
  it("has ~671B parameters, ~37B active per token, and a 70 KB/token MLA cache", async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), JSON.stringify(DEEPSEEK_V3_CONFIG));
    const r = await inspectModel(dir, { ctx: 32768, gpuMemBytes: parseByteSize("640GiB") });
    console.log(
      `DeepSeek-V3: ${r.parameters.total} total, ${r.parameters.activePerToken} active, ${r.parameters.mtp} MTP`,
    );
    expect(r.countedFrom).toBe("config formulas");
    expect(r.parameters.total / 1e9).toBeGreaterThan(668);
    expect(r.parameters.total / 1e9).toBeLessThan(674);
    expect(r.parameters.activePerToken / 1e9).toBeGreaterThan(36.5);
    expect(r.parameters.activePerToken / 1e9).toBeLessThan(38);
    // The published checkpoint is 685B with the MTP module.
    expect((r.parameters.total + r.parameters.mtp) / 1e9).toBeGreaterThan(682);
    expect((r.parameters.total + r.parameters.mtp) / 1e9).toBeLessThan(688);
    // 61 layers × (512 + 64) × 2 bytes, K only; full K/V would be 61 × 128 × (192 + 128) × 2.
    expect(r.kvCache.llamaCppBytesPerToken).toBe(61 * 576 * 2);
    expect(r.kvCache.fullKvBytesPerToken).toBe(61 * 128 * 320 * 2);
    expect(r.kvCache.llamaCppBytes).toBe(61 * 576 * 2 * 32768);
    // 671B at 4.5+ bits is ~380 GB: Q4_K fits in 640 GiB with a long context, F16 (1.3 TB) does not.
    const q4k = r.gpu?.options.find((o) => o.type === "q4_k");
    const f16 = r.gpu?.options.find((o) => o.type === "f16");
    expect(q4k?.fits).toBe(true);
    expect(q4k?.maxContext).toBe(163840);
    expect(f16?.fits).toBe(false);
    expect(f16?.maxContext).toBe(0);
    const bits = Object.fromEntries(r.weights.map((w) => [w.type, w.bitsPerWeight]));
    expect(bits.q8_0).toBeGreaterThan(8.5);
    expect(bits.q8_0).toBeLessThan(8.6);
    expect(bits.q4_0).toBeGreaterThan(4.5);
    expect(bits.q4_0).toBeLessThan(4.7);
  });
});

describe("GGUF input", () => {
  it("reads the same model from the converted GGUF header: parameters, experts, MLA cache layout", async () => {
    const gguf = await inspectModel(await fixtureGguf("deepseek_v3", "bf16"), { ctx: 1000 });
    const hf = await inspectModel(fixtureModelDir("deepseek_v3"), { ctx: 1000 });
    expect(gguf.source).toBe("gguf");
    expect(gguf.llamaArchitecture).toBe("deepseek2");
    expect(gguf.parameters.total).toBe(hf.parameters.total);
    expect(gguf.parameters.activePerToken).toBe(hf.parameters.activePerToken);
    expect(gguf.experts).toEqual(hf.experts);
    // Our converter writes attn_k_b/attn_v_b and key_length_mla: llama.cpp caches the latent only.
    expect(gguf.kvCache).toEqual(hf.kvCache);
    expect(gguf.kvCache.llamaCppLayout).toBe("mla-latent");
    // Norms and the router are F32 in the file, matrices BF16; the plan is computed the same way.
    expect(gguf.tensorTypes.map((t) => t.type).sort()).toEqual(["BF16", "F32"]);
    expect(gguf.weights).toEqual(hf.weights);
  }, 600_000);
});

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      "--import",
      "tsx",
      join(repoRoot, "packages/cli/src/main.ts"),
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("seekdesk model inspect (CLI)", () => {
  it("prints the plan as JSON and a readable table", async () => {
    const json = await cli(
      "model",
      "inspect",
      fixtureModelDir("llama"),
      "--json",
      "--ctx",
      "2048",
      "--gpu-mem",
      "1GiB",
    );
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.architecture).toBe("LlamaForCausalLM");
    expect(r.kvCache.ctx).toBe(2048);
    expect(r.gpu.gpuMemBytes).toBe(2 ** 30);
    expect(r.gpu.options.map((o: { type: string }) => o.type)).toEqual([
      "f16",
      "bf16",
      "q8_0",
      "q6_k",
      "q4_k",
      "q4_0",
    ]);
    const text = await cli("model", "inspect", fixtureModelDir("deepseek_v3"));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("experts        8 routed + 1 shared, 2 routed active per token");
    expect(text.stdout).toContain("llama.cpp allocates: MLA latent (K only)");
    const bad = await cli("model", "inspect", fixtureModelDir("llama"), "--gpu-mem", "lots");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe('seekdesk: --gpu-mem "lots" is not a size; use e.g. 24GiB, 80GB or 512MiB\n');
  }, 120_000);
});

describe("bad input", () => {
  it("names a missing path", async () => {
    await expect(inspectModel(join(tmp, "nope"))).rejects.toThrow(/no such file or folder/);
  });
  it("names an unsupported architecture and lists the supported ones", async () => {
    const dir = join(tmp, "mistral");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ architectures: ["MistralForCausalLM"], hidden_size: 8 }),
    );
    const err = await inspectModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserInputError);
    expect((err as Error).message).toBe(
      "unsupported architecture MistralForCausalLM; supported: DeepseekV3ForCausalLM, DeepseekV2ForCausalLM, Qwen2ForCausalLM, LlamaForCausalLM",
    );
  });
  it("rejects a file that is not GGUF", async () => {
    const file = join(tmp, "model.gguf");
    writeFileSync(file, "not a gguf file at all");
    await expect(inspectModel(file)).rejects.toThrow(/bad GGUF magic/);
  });
  it("parses GPU memory sizes and rejects nonsense", () => {
    expect(parseByteSize("24GiB")).toBe(24 * 2 ** 30);
    expect(parseByteSize("24G")).toBe(24 * 2 ** 30);
    expect(parseByteSize("80GB")).toBe(80e9);
    expect(parseByteSize("512 MiB")).toBe(512 * 2 ** 20);
    expect(() => parseByteSize("lots", "--gpu-mem")).toThrow(
      '--gpu-mem "lots" is not a size; use e.g. 24GiB, 80GB or 512MiB',
    );
  });
});
