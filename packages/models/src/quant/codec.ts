import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { decodeBf16, decodeFp16, encodeBf16, encodeFp16 } from "./half.ts";
import { dequantizeBlockQ4_0, quantizeBlockQ4_0 } from "./q4_0.ts";
import { dequantizeBlockQ4_K, quantizeBlockQ4_K } from "./q4_k.ts";
import { dequantizeBlockQ5_0, quantizeBlockQ5_0 } from "./q5_0.ts";
import { dequantizeBlockQ6_K, quantizeBlockQ6_K } from "./q6_k.ts";
import { dequantizeBlockQ8_0, quantizeBlockQ8_0 } from "./q8_0.ts";

interface BlockCodec {
  quantize(x: Float32Array, xi: number, out: Uint8Array, oi: number): void;
  dequantize(b: Uint8Array, bi: number, y: Float32Array, yi: number): void;
}

const BLOCK_CODECS: Partial<Record<GgmlType, BlockCodec>> = {
  [GgmlType.Q8_0]: { quantize: quantizeBlockQ8_0, dequantize: dequantizeBlockQ8_0 },
  [GgmlType.Q4_0]: { quantize: quantizeBlockQ4_0, dequantize: dequantizeBlockQ4_0 },
  [GgmlType.Q5_0]: { quantize: quantizeBlockQ5_0, dequantize: dequantizeBlockQ5_0 },
  [GgmlType.Q4_K]: { quantize: quantizeBlockQ4_K, dequantize: dequantizeBlockQ4_K },
  [GgmlType.Q6_K]: { quantize: quantizeBlockQ6_K, dequantize: dequantizeBlockQ6_K },
};

/** Types that quantizeRows can write and dequantizeRows can read. */
export const CODEC_TYPES: readonly GgmlType[] = [
  GgmlType.F32,
  GgmlType.F16,
  GgmlType.BF16,
  GgmlType.Q8_0,
  GgmlType.Q4_0,
  GgmlType.Q5_0,
  GgmlType.Q4_K,
  GgmlType.Q6_K,
];

function typeName(type: GgmlType): string {
  return GgmlType[type] ?? String(type);
}

/**
 * Encodes `data` (rows of `rowLength` values, row-major) as ggml `type`, byte for byte as
 * llama.cpp's reference quantizers (no importance matrix). Rows must be whole blocks.
 */
export function quantizeRows(type: GgmlType, data: Float32Array, rowLength: number): Uint8Array {
  if (!Number.isInteger(rowLength) || rowLength <= 0)
    throw new RangeError(`row length must be a positive integer, got ${rowLength}`);
  if (data.length % rowLength !== 0) {
    throw new RangeError(`${data.length} values are not a whole number of rows of ${rowLength}`);
  }
  if (type === GgmlType.F32)
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (type === GgmlType.F16) return encodeFp16(data);
  if (type === GgmlType.BF16) return encodeBf16(data);
  const codec = BLOCK_CODECS[type];
  if (!codec)
    throw new RangeError(
      `cannot quantize to ${typeName(type)}; supported: ${CODEC_TYPES.map(typeName).join(", ")}`,
    );
  const { blockSize, typeSize } = ggmlTypeInfo(type);
  if (rowLength % blockSize !== 0) {
    throw new RangeError(
      `row length ${rowLength} is not a multiple of the ${typeName(type)} block size ${blockSize}`,
    );
  }
  const blocks = data.length / blockSize;
  const out = new Uint8Array(blocks * typeSize);
  for (let b = 0; b < blocks; b++) codec.quantize(data, b * blockSize, out, b * typeSize);
  return out;
}

/** Decodes `elements` values of ggml `type` from `bytes` to float32. */
export function dequantizeRows(type: GgmlType, bytes: Uint8Array, elements: number): Float32Array {
  const { blockSize, typeSize } = ggmlTypeInfo(type);
  if (elements % blockSize !== 0) {
    throw new RangeError(
      `${elements} values are not a whole number of ${typeName(type)} blocks of ${blockSize}`,
    );
  }
  const needed = (elements / blockSize) * typeSize;
  if (bytes.length < needed) {
    throw new RangeError(
      `${typeName(type)} data for ${elements} values needs ${needed} bytes, got ${bytes.length}`,
    );
  }
  if (type === GgmlType.F32) {
    const out = new Float32Array(elements);
    new Uint8Array(out.buffer).set(bytes.subarray(0, needed));
    return out;
  }
  if (type === GgmlType.F16) return decodeFp16(bytes, elements);
  if (type === GgmlType.BF16) return decodeBf16(bytes, elements);
  const codec = BLOCK_CODECS[type];
  if (!codec)
    throw new RangeError(
      `cannot dequantize ${typeName(type)}; supported: ${CODEC_TYPES.map(typeName).join(", ")}`,
    );
  const out = new Float32Array(elements);
  const blocks = elements / blockSize;
  for (let b = 0; b < blocks; b++) codec.dequantize(bytes, b * typeSize, out, b * blockSize);
  return out;
}
