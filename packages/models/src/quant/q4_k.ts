import { f32, nearestInt } from "./float32.ts";
import { FP16_TABLE, fp32ToFp16 } from "./half.ts";

/**
 * Q4_K (ggml `block_q4_K`, 144 bytes per 256 values): fp16 d and dmin, 12 bytes of eight 6-bit
 * sub-block scales and mins, 128 bytes of 4-bit values. Each 32-value sub-block is fitted as
 * x ≈ scale*q - min by make_qkx2_quants (a weighted search over 21 candidate scales), the eight
 * scales and mins are quantized to 6 bits against the largest, and the values are re-rounded
 * against the stored scales (quantize_row_q4_K_ref).
 */
export const QK_K = 256;
export const Q4_K_BYTES = 144;

interface ScaleMin {
  scale: number;
  min: number;
}

/** make_qkx2_quants for one group; writes L and returns scale plus the (non-negative) min. */
function fitScaleMin(
  x: Float32Array,
  xi: number,
  n: number,
  nmax: number,
  weights: Float32Array,
  L: Uint8Array,
  li: number,
  laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
): ScaleMin {
  let min = x[xi];
  let max = x[xi];
  let sumW = weights[0];
  let sumX = f32(sumW * x[xi]);
  for (let i = 1; i < n; i++) {
    const v = x[xi + i];
    if (v < min) min = v;
    if (v > max) max = v;
    const w = weights[i];
    sumW = f32(sumW + w);
    sumX = f32(sumX + f32(w * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, li, li + n);
    return { scale: 0, min: -min };
  }
  let iscale = f32(nmax / f32(max - min));
  let scale = f32(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xi + i];
    const l = Math.max(0, Math.min(nmax, nearestInt(f32(iscale * f32(v - min)))));
    L[li + i] = l;
    const diff = f32(f32(f32(scale * l) + min) - v);
    bestError = f32(bestError + f32(weights[i] * f32(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    // min moves when a candidate wins, and the C code divides by the updated range.
    iscale = f32(f32(f32(rmin + f32(rdelta * is)) + nmax) / f32(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xi + i];
      const l = Math.max(0, Math.min(nmax, nearestInt(f32(iscale * f32(v - min)))));
      laux[i] = l;
      const wl = f32(weights[i] * l);
      sumL = f32(sumL + wl);
      sumL2 = f32(sumL2 + f32(wl * l));
      sumXL = f32(sumXL + f32(wl * v));
    }
    const D = f32(f32(sumW * sumL2) - f32(sumL * sumL));
    if (D > 0) {
      let thisScale = f32(f32(f32(sumW * sumXL) - f32(sumX * sumL)) / D);
      let thisMin = f32(f32(f32(sumL2 * sumX) - f32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f32(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        const diff = f32(f32(f32(thisScale * laux[i]) + thisMin) - x[xi + i]);
        curError = f32(curError + f32(weights[i] * f32(diff * diff)));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[li + i] = laux[i];
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

/** get_scale_min_k4: sub-block j's 6-bit scale and min from the 12 packed bytes at `si`. */
export function unpackScaleMinK4(j: number, q: Uint8Array, si: number): [number, number] {
  if (j < 4) return [q[si + j] & 63, q[si + j + 4] & 63];
  return [
    (q[si + j + 4] & 0x0f) | ((q[si + j - 4] >>> 6) << 4),
    (q[si + j + 4] >>> 4) | ((q[si + j] >>> 6) << 4),
  ];
}

const RDELTA = f32(0.1);

// Scratch reused across blocks: quantizing runs synchronously, one block at a time.
const L = new Uint8Array(QK_K);
const laux = new Uint8Array(32);
const weights = new Float32Array(32);
const scales = new Float32Array(8);
const mins = new Float32Array(8);

export function quantizeBlockQ4_K(x: Float32Array, xi: number, out: Uint8Array, oi: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const base = xi + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f32(sumX2 + f32(x[base + l] * x[base + l]));
    const avX = f32(Math.sqrt(f32(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = f32(avX + Math.abs(x[base + l]));
    const fit = fitScaleMin(x, base, 32, 15, weights, L, 32 * j, laux, -1, RDELTA, 20);
    scales[j] = fit.scale;
    mins[j] = fit.min;
    if (fit.scale > maxScale) maxScale = fit.scale;
    if (fit.min > maxMin) maxMin = fit.min;
  }
  const invScale = maxScale > 0 ? f32(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f32(63 / maxMin) : 0;
  const sc = oi + 4;
  out.fill(0, sc, sc + 12);
  for (let j = 0; j < 8; j++) {
    // C stores nearest_int into a uint8_t before clamping, so a negative value wraps first.
    const ls = Math.min(63, nearestInt(f32(invScale * scales[j])) & 0xff);
    const lm = Math.min(63, nearestInt(f32(invMin * mins[j])) & 0xff);
    if (j < 4) {
      out[sc + j] = ls;
      out[sc + j + 4] = lm;
    } else {
      out[sc + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
      out[sc + j - 4] |= (ls >>> 4) << 6;
      out[sc + j] |= (lm >>> 4) << 6;
    }
  }
  const dh = fp32ToFp16(f32(maxScale / 63));
  const mh = fp32ToFp16(f32(maxMin / 63));
  out[oi] = dh & 0xff;
  out[oi + 1] = dh >>> 8;
  out[oi + 2] = mh & 0xff;
  out[oi + 3] = mh >>> 8;
  const dAll = FP16_TABLE[dh];
  const mAll = FP16_TABLE[mh];
  for (let j = 0; j < 8; j++) {
    const [s, m] = unpackScaleMinK4(j, out, sc);
    const d = f32(dAll * s);
    if (d === 0) continue;
    const dm = f32(mAll * m);
    for (let ii = 0; ii < 32; ii++) {
      const l = nearestInt(f32(f32(x[xi + 32 * j + ii] + dm) / d));
      L[32 * j + ii] = Math.max(0, Math.min(15, l));
    }
  }
  const qs = oi + 16;
  for (let j = 0, q = qs; j < QK_K; j += 64, q += 32) {
    for (let l = 0; l < 32; l++) out[q + l] = L[j + l] | (L[j + l + 32] << 4);
  }
}

export function dequantizeBlockQ4_K(b: Uint8Array, bi: number, y: Float32Array, yi: number): void {
  const d = FP16_TABLE[b[bi] | (b[bi + 1] << 8)];
  const dmin = FP16_TABLE[b[bi + 2] | (b[bi + 3] << 8)];
  const sc = bi + 4;
  let q = bi + 16;
  let out = yi;
  for (let is = 0; is < 8; is += 2, q += 32) {
    const [s1, m1] = unpackScaleMinK4(is, b, sc);
    const [s2, m2] = unpackScaleMinK4(is + 1, b, sc);
    const d1 = f32(d * s1);
    const min1 = f32(dmin * m1);
    const d2 = f32(d * s2);
    const min2 = f32(dmin * m2);
    for (let l = 0; l < 32; l++) y[out++] = f32(d1 * (b[q + l] & 0x0f)) - min1;
    for (let l = 0; l < 32; l++) y[out++] = f32(d2 * (b[q + l] >>> 4)) - min2;
  }
}
