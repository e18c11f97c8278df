import { f32 } from "./float32.ts";
import { FP16_TABLE, fp32ToFp16 } from "./half.ts";

/**
 * Q4_0 (ggml `block_q4_0`, 18 bytes per 32 values): d = max / -8 where max is the value of largest
 * magnitude with its sign, so that value maps exactly to -8; q = min(15, trunc(x/d + 8.5)); byte j
 * holds value j in the low nibble and value j+16 in the high nibble (quantize_row_q4_0_ref).
 */
export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

export function quantizeBlockQ4_0(x: Float32Array, xi: number, out: Uint8Array, oi: number): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < Q4_0_BLOCK; j++) {
    const v = x[xi + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -8);
  const id = d !== 0 ? f32(1 / d) : 0;
  const h = fp32ToFp16(d);
  out[oi] = h & 0xff;
  out[oi + 1] = h >>> 8;
  for (let j = 0; j < 16; j++) {
    const q0 = Math.min(15, Math.trunc(f32(f32(x[xi + j] * id) + 8.5)));
    const q1 = Math.min(15, Math.trunc(f32(f32(x[xi + 16 + j] * id) + 8.5)));
    out[oi + 2 + j] = q0 | (q1 << 4);
  }
}

export function dequantizeBlockQ4_0(b: Uint8Array, bi: number, y: Float32Array, yi: number): void {
  const d = FP16_TABLE[b[bi] | (b[bi + 1] << 8)];
  for (let j = 0; j < 16; j++) {
    const q = b[bi + 2 + j];
    y[yi + j] = ((q & 0x0f) - 8) * d;
    y[yi + 16 + j] = ((q >>> 4) - 8) * d;
  }
}
