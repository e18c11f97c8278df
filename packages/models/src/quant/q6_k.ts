import { f32, GROUP_MAX_EPS, nearestInt } from "./float32.ts";
import { FP16_TABLE, fp32ToFp16 } from "./half.ts";
import { QK_K } from "./q4_k.ts";

/**
 * Q6_K (ggml `block_q6_K`, 210 bytes per 256 values): 128 bytes of low nibbles (ql), 64 bytes of
 * high 2-bit pairs (qh), sixteen int8 sub-block scales, fp16 d. Each 16-value sub-block gets a
 * symmetric 6-bit fit by make_qx_quants (x²-weighted, 19 candidate scales); the scales are
 * quantized to int8 against the largest, and values re-rounded (quantize_row_q6_K_ref).
 */
export const Q6_K_BYTES = 210;

const TENTH = f32(0.1);

/** make_qx_quants with rmse_type 1 and no importance weights; writes L (offset by nmax). */
function fitSymmetric(
  x: Float32Array,
  xi: number,
  n: number,
  nmax: number,
  L: Int8Array,
  li: number,
): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xi + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xi + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, li, li + n);
    return 0;
  }
  let iscale = f32(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xi + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * v))));
    L[li + i] = l + nmax;
    const w = f32(v * v);
    sumlx = f32(sumlx + f32(f32(w * v) * l));
    suml2 = f32(suml2 + f32(f32(w * l) * l));
  }
  let scale = suml2 !== 0 ? f32(sumlx / suml2) : 0;
  let best = f32(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f32(-f32(nmax + f32(TENTH * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xi + i];
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * v))));
      const w = f32(v * v);
      sumlx = f32(sumlx + f32(f32(w * v) * l));
      suml2 = f32(suml2 + f32(f32(w * l) * l));
    }
    if (suml2 > 0 && f32(sumlx * sumlx) > f32(best * suml2)) {
      for (let i = 0; i < n; i++) {
        L[li + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * x[xi + i]))));
      }
      scale = f32(sumlx / suml2);
      best = f32(scale * sumlx);
    }
  }
  return scale;
}

// Scratch reused across blocks: quantizing runs synchronously, one block at a time.
const L = new Int8Array(QK_K);
const scales = new Float32Array(16);

export function quantizeBlockQ6_K(x: Float32Array, xi: number, out: Uint8Array, oi: number): void {
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const scale = fitSymmetric(x, xi + 16 * ib, 16, 32, L, 16 * ib);
    scales[ib] = scale;
    if (Math.abs(scale) > maxAbsScale) {
      maxAbsScale = Math.abs(scale);
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    out.fill(0, oi, oi + Q6_K_BYTES);
    return;
  }
  const iscale = f32(-128 / maxScale);
  const dh = fp32ToFp16(f32(1 / iscale));
  const sc = oi + 192;
  out[oi + 208] = dh & 0xff;
  out[oi + 209] = dh >>> 8;
  const dAll = FP16_TABLE[dh];
  for (let ib = 0; ib < 16; ib++) {
    // Stored as int8 and read back as int8, as the C code does.
    const s = (Math.min(127, nearestInt(f32(iscale * scales[ib]))) << 24) >> 24;
    out[sc + ib] = s & 0xff;
    const d = f32(dAll * s);
    if (d === 0) continue;
    for (let ii = 0; ii < 16; ii++) {
      const l = nearestInt(f32(x[xi + 16 * ib + ii] / d));
      L[16 * ib + ii] = Math.max(-32, Math.min(31, l)) + 32;
    }
  }
  for (let j = 0, ql = oi, qh = oi + 128; j < QK_K; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      const a = L[j + l];
      const b = L[j + l + 32];
      const c = L[j + l + 64];
      const e = L[j + l + 96];
      out[ql + l] = (a & 0x0f) | ((c & 0x0f) << 4);
      out[ql + l + 32] = (b & 0x0f) | ((e & 0x0f) << 4);
      out[qh + l] = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
    }
  }
}

export function dequantizeBlockQ6_K(b: Uint8Array, bi: number, y: Float32Array, yi: number): void {
  const d = FP16_TABLE[b[bi + 208] | (b[bi + 209] << 8)];
  for (
    let n = 0, ql = bi, qh = bi + 128, sc = bi + 192, out = yi;
    n < QK_K;
    n += 128, ql += 64, qh += 32, sc += 8, out += 128
  ) {
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = b[qh + l];
      const q1 = ((b[ql + l] & 0x0f) | ((h & 3) << 4)) - 32;
      const q2 = ((b[ql + l + 32] & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
      y[out + l] = f32(d * ((b[sc + is] << 24) >> 24)) * q1;
      y[out + l + 32] = f32(d * ((b[sc + is + 2] << 24) >> 24)) * q2;
      y[out + l + 64] = f32(d * ((b[sc + is + 4] << 24) >> 24)) * q3;
      y[out + l + 96] = f32(d * ((b[sc + is + 6] << 24) >> 24)) * q4;
    }
  }
}
