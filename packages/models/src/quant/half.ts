/**
 * IEEE half (fp16) and bfloat16 conversions as ggml does them: fp32 -> fp16 rounds to nearest,
 * ties to even, overflows to infinity and maps NaN to 0x7e00 (ggml_compute_fp32_to_fp16);
 * fp32 -> bf16 rounds to nearest even and keeps NaN quiet (ggml_compute_fp32_to_bf16).
 */
const scratch = new DataView(new ArrayBuffer(4));

function floatBits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

export function fp32ToFp16(x: number): number {
  const u = floatBits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  const halfExp = exp - 112;
  if (halfExp >= 0x1f) return sign | 0x7c00;
  if (halfExp >= 1) {
    let h = (halfExp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent, up to infinity (0x7c00).
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  // Result is a half subnormal (unit 2^-24) or zero.
  const shift = 126 - exp;
  if (shift > 24) return sign;
  const m = mant | 0x800000;
  let h = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (h & 1) === 1)) h++;
  return sign | h;
}

/** All 65536 half values as float32, so decoding is one table read. */
export const FP16_TABLE: Float32Array = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    let v: number;
    if (exp === 0) v = mant * 2 ** -24;
    else if (exp === 0x1f) v = mant === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
    else v = (1 + mant / 1024) * 2 ** (exp - 15);
    table[h] = sign * v;
  }
  return table;
})();

export function fp16ToFp32(h: number): number {
  return FP16_TABLE[h & 0xffff];
}

export function fp32ToBf16(x: number): number {
  const u = floatBits(x);
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

export function bf16ToFp32(h: number): number {
  scratch.setUint32(0, (h & 0xffff) << 16, true);
  return scratch.getFloat32(0, true);
}

/** Little-endian fp16 bytes of a whole array. */
export function encodeFp16(data: Float32Array): Uint8Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = fp32ToFp16(data[i]);
  return new Uint8Array(out.buffer);
}

export function encodeBf16(data: Float32Array): Uint8Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = fp32ToBf16(data[i]);
  return new Uint8Array(out.buffer);
}

export function decodeFp16(bytes: Uint8Array, elements: number): Float32Array {
  const out = new Float32Array(elements);
  for (let i = 0; i < elements; i++) out[i] = FP16_TABLE[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}

export function decodeBf16(bytes: Uint8Array, elements: number): Float32Array {
  const bits = new Uint32Array(elements);
  for (let i = 0; i < elements; i++) bits[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
  return new Float32Array(bits.buffer);
}
