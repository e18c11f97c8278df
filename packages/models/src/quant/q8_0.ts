import { f32, roundHalfAwayFromZero } from "./float32.ts";
import { FP16_TABLE, fp32ToFp16 } from "./half.ts";

/**
 * Q8_0 (ggml `block_q8_0`, 34 bytes per 32 values): fp16 scale d = max|x| / 127, then 32 int8
 * values round(x / d), half away from zero, as quantize_row_q8_0_ref.
 */
export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

export function quantizeBlockQ8_0(x: Float32Array, xi: number, out: Uint8Array, oi: number): void {
  let amax = 0;
  for (let j = 0; j < Q8_0_BLOCK; j++) {
    const a = Math.abs(x[xi + j]);
    if (a > amax) amax = a;
  }
  const d = f32(amax / 127);
  const id = d !== 0 ? f32(1 / d) : 0;
  const h = fp32ToFp16(d);
  out[oi] = h & 0xff;
  out[oi + 1] = h >>> 8;
  for (let j = 0; j < Q8_0_BLOCK; j++) {
    out[oi + 2 + j] = roundHalfAwayFromZero(f32(x[xi + j] * id)) & 0xff;
  }
}

export function dequantizeBlockQ8_0(b: Uint8Array, bi: number, y: Float32Array, yi: number): void {
  const d = FP16_TABLE[b[bi] | (b[bi + 1] << 8)];
  for (let j = 0; j < Q8_0_BLOCK; j++) {
    y[yi + j] = ((b[bi + 2 + j] << 24) >> 24) * d;
  }
}
