import { f32 } from "./float32.ts";
import { FP16_TABLE, fp32ToFp16 } from "./half.ts";

/**
 * Q5_0 (ggml `block_q5_0`, 22 bytes per 32 values): llama.cpp's fallback for Q4_K when a row is
 * not a multiple of 256. d = max / -16; q = min(31, trunc(x/d + 16.5)); low nibbles as Q4_0, the
 * fifth bits of values j and j+16 in bits j and j+16 of a little-endian uint32
 * (quantize_row_q5_0_ref).
 */
export const Q5_0_BLOCK = 32;
export const Q5_0_BYTES = 22;

export function quantizeBlockQ5_0(x: Float32Array, xi: number, out: Uint8Array, oi: number): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < Q5_0_BLOCK; j++) {
    const v = x[xi + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -16);
  const id = d !== 0 ? f32(1 / d) : 0;
  const h = fp32ToFp16(d);
  out[oi] = h & 0xff;
  out[oi + 1] = h >>> 8;
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const q0 = Math.min(31, Math.trunc(f32(f32(x[xi + j] * id) + 16.5)));
    const q1 = Math.min(31, Math.trunc(f32(f32(x[xi + 16 + j] * id) + 16.5)));
    out[oi + 6 + j] = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
    qh |= ((q0 & 0x10) >>> 4) << j;
    qh |= ((q1 & 0x10) >>> 4) << (j + 16);
  }
  out[oi + 2] = qh & 0xff;
  out[oi + 3] = (qh >>> 8) & 0xff;
  out[oi + 4] = (qh >>> 16) & 0xff;
  out[oi + 5] = (qh >>> 24) & 0xff;
}

export function dequantizeBlockQ5_0(b: Uint8Array, bi: number, y: Float32Array, yi: number): void {
  const d = FP16_TABLE[b[bi] | (b[bi + 1] << 8)];
  const qh = (b[bi + 2] | (b[bi + 3] << 8) | (b[bi + 4] << 16) | (b[bi + 5] << 24)) >>> 0;
  for (let j = 0; j < 16; j++) {
    const q = b[bi + 6 + j];
    const hi0 = ((qh >>> j) << 4) & 0x10;
    const hi1 = (qh >>> (j + 12)) & 0x10;
    y[yi + j] = (((q & 0x0f) | hi0) - 16) * d;
    y[yi + 16 + j] = (((q >>> 4) | hi1) - 16) * d;
  }
}
