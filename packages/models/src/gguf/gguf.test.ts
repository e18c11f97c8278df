import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GgmlType } from "./ggml-types.ts";
import { ggufMeta, readGguf, readGgufTensorData } from "./reader.ts";
import { GgufValueType, gv } from "./types.ts";
import { writeGguf } from "./writer.ts";

const dir = mkdtempSync(join(tmpdir(), "gguf-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metadata = () =>
  new Map([
    ["general.architecture", gv.str("llama")],
    ["t.u8", gv.u8(255)],
    ["t.i8", gv.i8(-128)],
    ["t.u16", gv.u16(65535)],
    ["t.i16", gv.i16(-32768)],
    ["t.u32", gv.u32(4294967295)],
    ["t.i32", gv.i32(-2147483648)],
    ["t.f32", gv.f32(0.5)],
    ["t.f64", gv.f64(Math.PI)],
    ["t.u64", gv.u64(18446744073709551615n)],
    ["t.i64", gv.i64(-9223372036854775808n)],
    ["t.bool", gv.bool(true)],
    ["t.str", gv.str("你好 🚀")],
    ["t.arr", gv.arr(GgufValueType.INT32, [1, -2, 3])],
    ["t.strs", gv.arr(GgufValueType.STRING, ["a", "", "ü"])],
    [
      "t.nested",
      gv.arr(GgufValueType.ARRAY, [gv.arr(GgufValueType.UINT8, [1, 2]), gv.arr(GgufValueType.STRING, ["x"])]),
    ],
  ]);

describe("GGUF writer and reader", () => {
  it("round-trips every metadata type, nested arrays and aligned tensor data", async () => {
    const path = join(dir, "all.gguf");
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Uint8Array(34).fill(7); // one Q8_0 block
    await writeGguf(
      path,
      metadata(),
      [
        { name: "a", dims: [3, 2], type: GgmlType.F32 },
        { name: "b", dims: [32], type: GgmlType.Q8_0 },
      ],
      (t) => (t.name === "a" ? new Uint8Array(a.buffer) : b),
    );
    const f = await readGguf(path);
    expect(f.version).toBe(3);
    expect(f.metadata.get("t.u64")?.value).toBe(18446744073709551615n);
    expect(f.metadata.get("t.f32")).toEqual({ type: GgufValueType.FLOAT32, value: 0.5 });
    for (const [k, v] of metadata()) expect(f.metadata.get(k), k).toEqual(v);
    expect(ggufMeta(f, "t.nested")).toEqual([[1, 2], ["x"]]);
    expect(f.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ["a", [3, 2], GgmlType.F32],
      ["b", [32], GgmlType.Q8_0],
    ]);
    expect(f.dataOffset % 32).toBe(0);
    expect(f.tensors[1].offset % 32).toBe(0);
    expect(f.fileSize % 32).toBe(0);
    expect(new Float32Array((await readGgufTensorData(f, f.tensors[0])).slice().buffer)).toEqual(a);
    expect(await readGgufTensorData(f, f.tensors[1])).toEqual(b);
  });

  it("honours general.alignment", async () => {
    const path = join(dir, "align.gguf");
    const m = new Map([["general.alignment", gv.u32(64)]]);
    await writeGguf(
      path,
      m,
      [
        { name: "x", dims: [3], type: GgmlType.F32 },
        { name: "y", dims: [5], type: GgmlType.F16 },
      ],
      (t) => new Uint8Array(t.name === "x" ? 12 : 10).fill(1),
    );
    const f = await readGguf(path);
    expect(f.alignment).toBe(64);
    expect(f.dataOffset % 64).toBe(0);
    expect(f.tensors[1].offset).toBe(64);
  });

  it("leaves no file behind when a producer fails", async () => {
    const path = join(dir, "fail.gguf");
    await expect(
      writeGguf(path, metadata(), [{ name: "a", dims: [4], type: GgmlType.F32 }], () => new Uint8Array(3)),
    ).rejects.toThrow(/need 16/);
    expect(readdirSync(dir).filter((f) => f.includes("fail"))).toEqual([]);
  });

  it("rejects bad magic and truncated files with a clear message", async () => {
    const bad = join(dir, "bad.gguf");
    writeFileSync(bad, "GGML and then some bytes");
    await expect(readGguf(bad)).rejects.toThrow(/bad GGUF magic/);
    const good = join(dir, "all.gguf");
    const cut = join(dir, "cut.gguf");
    writeFileSync(cut, readFileSync(good).subarray(0, 200));
    await expect(readGguf(cut)).rejects.toThrow(/truncated GGUF header/);
    const cut2 = join(dir, "cut2.gguf");
    writeFileSync(cut2, readFileSync(good));
    truncateSync(cut2, (await readGguf(good)).dataOffset + 8);
    await expect(readGguf(cut2)).rejects.toThrow(/truncated GGUF \(tensor/);
  });
});
