import { UserInputError } from "@seekdesk/core";
import { describe, expect, it } from "vitest";
import { GgmlType } from "../gguf/ggml-types.ts";
import { chooseTensorType, fileTypeFor, parseQuantType } from "./index.ts";

const { F32, F16, Q4_0, Q5_0, Q8_0, Q4_K, Q6_K } = GgmlType;

describe("chooseTensorType follows llama.cpp", () => {
  it("keeps norms, 1-D tensors, biases, the MoE router and exp_probs_b in F32", () => {
    for (const requested of [Q4_K, Q8_0, F16]) {
      expect(chooseTensorType("blk.0.attn_norm.weight", [4096], requested)).toBe(F32);
      expect(chooseTensorType("blk.0.attn_kv_a_norm.weight", [512], requested)).toBe(F32);
      expect(chooseTensorType("blk.3.exp_probs_b.bias", [256], requested)).toBe(F32);
      expect(chooseTensorType("blk.0.attn_q.bias", [1536], requested)).toBe(F32);
      expect(chooseTensorType("blk.3.ffn_gate_inp.weight", [7168, 256], requested)).toBe(F32);
      expect(chooseTensorType("output_norm.weight", [7168], requested)).toBe(F32);
    }
    // A [n, 1] matrix is 1-D to ggml.
    expect(chooseTensorType("blk.0.ffn_up.weight", [4096, 1], Q4_0)).toBe(F32);
  });
  it("converts matrices to the requested float type", () => {
    expect(chooseTensorType("blk.0.attn_q.weight", [4096, 4096], F16)).toBe(F16);
    expect(chooseTensorType("token_embd.weight", [4096, 129280], GgmlType.BF16)).toBe(GgmlType.BF16);
    expect(chooseTensorType("blk.0.ffn_gate_inp_shexp.weight", [4096, 1], F16)).toBe(F32);
  });
  it("keeps the output layer at Q6_K (Q8_0 stays Q8_0), and token_embd too when embeddings are tied", () => {
    expect(chooseTensorType("output.weight", [7168, 129280], Q4_0)).toBe(Q6_K);
    expect(chooseTensorType("output.weight", [7168, 129280], Q4_K)).toBe(Q6_K);
    expect(chooseTensorType("output.weight", [7168, 129280], Q8_0)).toBe(Q8_0);
    expect(chooseTensorType("token_embd.weight", [1536, 151936], Q4_K)).toBe(Q4_K);
    expect(chooseTensorType("token_embd.weight", [1536, 151936], Q4_K, { tiedEmbeddings: true })).toBe(Q6_K);
    // Row not a multiple of 256: llama.cpp picks Q8_0 for the output layer.
    expect(chooseTensorType("output.weight", [896, 151936], Q4_K)).toBe(Q8_0);
  });
  it("falls back where rows do not divide into the block size", () => {
    expect(chooseTensorType("blk.0.ffn_up.weight", [32, 64], Q4_K)).toBe(Q5_0);
    expect(chooseTensorType("blk.0.ffn_up.weight", [32, 64], Q6_K)).toBe(Q8_0);
    expect(chooseTensorType("blk.0.ffn_up.weight", [48, 64], Q4_K)).toBe(F16);
    expect(chooseTensorType("blk.0.ffn_up.weight", [48, 64], Q8_0)).toBe(F16);
    expect(chooseTensorType("blk.0.ffn_up.weight", [512, 64], Q4_K)).toBe(Q4_K);
  });
  it("gives attn_v and ffn_down more bits in llama.cpp's Q4_K_M layers", () => {
    const model = { layerCount: 32 };
    // use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2
    const picked = Array.from({ length: 32 }, (_, i) =>
      chooseTensorType(`blk.${i}.ffn_down.weight`, [14336, 4096], Q4_K, model),
    );
    const six = picked.flatMap((t, i) => (t === Q6_K ? [i] : []));
    expect(six).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
    expect(chooseTensorType("blk.5.attn_v.weight", [4096, 1024], Q4_K, model)).toBe(Q4_K);
    expect(chooseTensorType("blk.6.attn_v.weight", [4096, 1024], Q4_K, model)).toBe(Q6_K);
    expect(chooseTensorType("blk.6.attn_q.weight", [4096, 4096], Q4_K, model)).toBe(Q4_K);
    // Other types get no mix.
    expect(chooseTensorType("blk.0.ffn_down.weight", [14336, 4096], Q4_0, model)).toBe(Q4_0);
  });
  it("keeps attention K/V at Q8_0 for 8-expert models", () => {
    const model = { layerCount: 4, expertCount: 8 };
    expect(chooseTensorType("blk.1.attn_kv_b.weight", [512, 4096], Q4_0, model)).toBe(Q8_0);
    expect(chooseTensorType("blk.1.attn_k.weight", [4096, 1024], Q6_K, model)).toBe(Q8_0);
    expect(chooseTensorType("blk.1.ffn_up_exps.weight", [4096, 1024, 8], Q6_K, model)).toBe(Q6_K);
  });
});

describe("parseQuantType", () => {
  it("accepts the type names, case-insensitive", () => {
    expect(parseQuantType("q8_0")).toBe(Q8_0);
    expect(parseQuantType("Q4_K")).toBe(Q4_K);
    expect(parseQuantType("q4_k_m")).toBe(Q4_K);
    expect(parseQuantType("BF16")).toBe(GgmlType.BF16);
  });
  it("names the valid types for an unknown one", () => {
    expect(() => parseQuantType("q3_k")).toThrow(UserInputError);
    expect(() => parseQuantType("q3_k")).toThrow(
      'unknown type "q3_k"; valid types: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k',
    );
  });
  it("maps types to llama.cpp file types", () => {
    expect([F32, F16, Q4_0, Q8_0, Q4_K, Q6_K, GgmlType.BF16].map(fileTypeFor)).toEqual([
      0, 1, 2, 7, 15, 18, 32,
    ]);
  });
});
