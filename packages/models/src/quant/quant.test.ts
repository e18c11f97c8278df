import { seededRandom } from "@seekdesk/core/random.ts";
import { describe, expect, it } from "vitest";
import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.ts";
import { dequantizeRows, errorStats, fp16ToFp32, fp32ToFp16, quantizeRows } from "./index.ts";

// ---------------------------------------------------------------------------------------------
// An independent, plainly written transcription of ggml-quants.c (quantize_row_*_ref,
// make_qkx2_quants, make_qx_quants, dequantize_row_*) and ggml-impl.h (fp32<->fp16), working on
// plain number arrays and block records. Float32 arithmetic is emulated by storing every result in
// a one-element Float32Array; nearest_int reads the float's bits as the C code does.
// ---------------------------------------------------------------------------------------------
const box = new Float32Array(1);
const boxBits = new Uint32Array(box.buffer);
const boxInt = new Int32Array(box.buffer);
function F(x: number): number {
  box[0] = x;
  return box[0];
}
function bitsOf(x: number): number {
  box[0] = x;
  return boxBits[0];
}
function fromBits(u: number): number {
  boxBits[0] = u >>> 0;
  return box[0];
}
function nearest_int(fval: number): number {
  box[0] = fval + 12582912;
  return (boxInt[0] & 0x007fffff) - 0x00400000;
}
function roundf(x: number): number {
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}
// ggml_compute_fp32_to_fp16, transcribed with its magic constants.
function FP32_TO_FP16(f: number): number {
  const scale_to_inf = fromBits(0x77800000);
  const scale_to_zero = fromBits(0x08800000);
  let base = F(F(Math.abs(F(f)) * scale_to_inf) * scale_to_zero);
  const w = bitsOf(f);
  const shl1_w = (w + w) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1_w & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = F(fromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = bitsOf(base);
  const exp_bits = (bits >>> 13) & 0x00007c00;
  const mantissa_bits = bits & 0x00000fff;
  const nonsign = exp_bits + mantissa_bits;
  return ((sign >>> 16) | (shl1_w > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}
function FP16_TO_FP32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}
const GROUP_MAX_EPS = F(1e-15);

function ref_q8_0(x: number[]): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < x.length / 32; i++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i * 32 + j]));
    const d = F(amax / 127);
    const id = d ? F(1 / d) : 0;
    const dh = FP32_TO_FP16(d);
    bytes.push(dh & 255, dh >> 8);
    for (let j = 0; j < 32; j++) bytes.push(roundf(F(x[i * 32 + j] * id)) & 255);
  }
  return bytes;
}

function ref_q4_0(x: number[], nbits: 4 | 5): number[] {
  const bytes: number[] = [];
  const half = nbits === 4 ? 8 : 16;
  const top = nbits === 4 ? 15 : 31;
  for (let i = 0; i < x.length / 32; i++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[i * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = F(max / -half);
    const id = d ? F(1 / d) : 0;
    const dh = FP32_TO_FP16(d);
    bytes.push(dh & 255, dh >> 8);
    const qs: number[] = [];
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const xi0 = Math.min(top, Math.trunc(F(F(x[i * 32 + j] * id) + half + 0.5)));
      const xi1 = Math.min(top, Math.trunc(F(F(x[i * 32 + 16 + j] * id) + half + 0.5)));
      qs.push((xi0 & 15) | ((xi1 & 15) << 4));
      qh += ((xi0 >> 4) & 1) * 2 ** j + ((xi1 >> 4) & 1) * 2 ** (j + 16);
    }
    if (nbits === 5)
      bytes.push(qh & 255, (qh >>> 8) & 255, (qh >>> 16) & 255, Math.floor(qh / 2 ** 24) & 255);
    bytes.push(...qs);
  }
  return bytes;
}

function make_qkx2_quants(
  n: number,
  nmax: number,
  x: number[],
  weights: number[],
  L: number[],
  rmin: number,
  rdelta: number,
  nstep: number,
): { scale: number; the_min: number } {
  let min = x[0];
  let max = x[0];
  let sum_w = weights[0];
  let sum_x = F(sum_w * x[0]);
  for (let i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const w = weights[i];
    sum_w = F(sum_w + w);
    sum_x = F(sum_x + F(w * x[i]));
  }
  if (min > 0) min = 0;
  if (max === min) {
    for (let i = 0; i < n; ++i) L[i] = 0;
    return { scale: 0, the_min: -min };
  }
  let iscale = F(nmax / F(max - min));
  let scale = F(1 / iscale);
  let best_error = 0;
  for (let i = 0; i < n; ++i) {
    const l = nearest_int(F(iscale * F(x[i] - min)));
    L[i] = Math.max(0, Math.min(nmax, l));
    let diff = F(F(F(scale * L[i]) + min) - x[i]);
    diff = F(diff * diff);
    best_error = F(best_error + F(weights[i] * diff));
  }
  const Laux: number[] = new Array(n).fill(0);
  for (let is = 0; is <= nstep; ++is) {
    iscale = F(F(F(rmin + F(rdelta * is)) + nmax) / F(max - min));
    let sum_l = 0;
    let sum_l2 = 0;
    let sum_xl = 0;
    for (let i = 0; i < n; ++i) {
      let l = nearest_int(F(iscale * F(x[i] - min)));
      l = Math.max(0, Math.min(nmax, l));
      Laux[i] = l;
      const w = weights[i];
      sum_l = F(sum_l + F(w * l));
      sum_l2 = F(sum_l2 + F(F(w * l) * l));
      sum_xl = F(sum_xl + F(F(w * l) * x[i]));
    }
    const D = F(F(sum_w * sum_l2) - F(sum_l * sum_l));
    if (D > 0) {
      let this_scale = F(F(F(sum_w * sum_xl) - F(sum_x * sum_l)) / D);
      let this_min = F(F(F(sum_l2 * sum_x) - F(sum_l * sum_xl)) / D);
      if (this_min > 0) {
        this_min = 0;
        this_scale = F(sum_xl / sum_l2);
      }
      let cur_error = 0;
      for (let i = 0; i < n; ++i) {
        let diff = F(F(F(this_scale * Laux[i]) + this_min) - x[i]);
        diff = F(diff * diff);
        cur_error = F(cur_error + F(weights[i] * diff));
      }
      if (cur_error < best_error) {
        for (let i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  return { scale, the_min: -min };
}

function get_scale_min_k4(j: number, q: number[]): [number, number] {
  if (j < 4) return [q[j] & 63, q[j + 4] & 63];
  return [(q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)];
}

function ref_q4_K(all: number[]): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < all.length / 256; i++) {
    const x = all.slice(i * 256, i * 256 + 256);
    const L: number[] = new Array(256).fill(0);
    const scales: number[] = [];
    const mins: number[] = [];
    let max_scale = 0;
    let max_min = 0;
    for (let j = 0; j < 8; ++j) {
      const xs = x.slice(32 * j, 32 * j + 32);
      let sum_x2 = 0;
      for (let l = 0; l < 32; ++l) sum_x2 = F(sum_x2 + F(xs[l] * xs[l]));
      const av_x = F(Math.sqrt(F(sum_x2 / 32)));
      const weights = xs.map((v) => F(av_x + Math.abs(v)));
      const Ls: number[] = new Array(32).fill(0);
      const r = make_qkx2_quants(32, 15, xs, weights, Ls, -1, F(0.1), 20);
      for (let l = 0; l < 32; l++) L[32 * j + l] = Ls[l];
      scales.push(r.scale);
      mins.push(r.the_min);
      if (r.scale > max_scale) max_scale = r.scale;
      if (r.the_min > max_min) max_min = r.the_min;
    }
    const inv_scale = max_scale > 0 ? F(63 / max_scale) : 0;
    const inv_min = max_min > 0 ? F(63 / max_min) : 0;
    const sc: number[] = new Array(12).fill(0);
    for (let j = 0; j < 8; ++j) {
      const ls = Math.min(63, nearest_int(F(inv_scale * scales[j])) & 255);
      const lm = Math.min(63, nearest_int(F(inv_min * mins[j])) & 255);
      if (j < 4) {
        sc[j] = ls;
        sc[j + 4] = lm;
      } else {
        sc[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        sc[j - 4] |= (ls >> 4) << 6;
        sc[j] |= (lm >> 4) << 6;
      }
    }
    const d = FP32_TO_FP16(F(max_scale / 63));
    const dmin = FP32_TO_FP16(F(max_min / 63));
    for (let j = 0; j < 8; ++j) {
      const [s, m] = get_scale_min_k4(j, sc);
      const dd = F(FP16_TO_FP32(d) * s);
      if (!dd) continue;
      const dm = F(FP16_TO_FP32(dmin) * m);
      for (let ii = 0; ii < 32; ++ii) {
        const l = nearest_int(F(F(x[32 * j + ii] + dm) / dd));
        L[32 * j + ii] = Math.max(0, Math.min(15, l));
      }
    }
    bytes.push(d & 255, d >> 8, dmin & 255, dmin >> 8, ...sc);
    for (let j = 0; j < 256; j += 64) {
      for (let l = 0; l < 32; ++l) bytes.push(L[j + l] | (L[j + l + 32] << 4));
    }
  }
  return bytes;
}

function make_qx_quants(n: number, nmax: number, x: number[], L: number[]): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; ++i) {
    const ax = Math.abs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; ++i) L[i] = 0;
    return 0;
  }
  let iscale = F(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; ++i) {
    let l = nearest_int(F(iscale * x[i]));
    l = Math.max(-nmax, Math.min(nmax - 1, l));
    L[i] = l + nmax;
    const w = F(x[i] * x[i]);
    sumlx = F(sumlx + F(F(w * x[i]) * l));
    suml2 = F(suml2 + F(F(w * l) * l));
  }
  let scale = suml2 ? F(sumlx / suml2) : 0;
  let best = F(scale * sumlx);
  for (let is = -9; is <= 9; ++is) {
    if (is === 0) continue;
    iscale = F(-F(nmax + F(F(0.1) * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; ++i) {
      let l = nearest_int(F(iscale * x[i]));
      l = Math.max(-nmax, Math.min(nmax - 1, l));
      const w = F(x[i] * x[i]);
      sumlx = F(sumlx + F(F(w * x[i]) * l));
      suml2 = F(suml2 + F(F(w * l) * l));
    }
    if (suml2 > 0 && F(sumlx * sumlx) > F(best * suml2)) {
      for (let i = 0; i < n; ++i) {
        const l = nearest_int(F(iscale * x[i]));
        L[i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
      }
      scale = F(sumlx / suml2);
      best = F(scale * sumlx);
    }
  }
  return scale;
}

function ref_q6_K(all: number[]): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < all.length / 256; i++) {
    const x = all.slice(i * 256, i * 256 + 256);
    const L: number[] = new Array(256).fill(0);
    const scales: number[] = [];
    let max_scale = 0;
    let max_abs_scale = 0;
    for (let ib = 0; ib < 16; ++ib) {
      const Ls: number[] = new Array(16).fill(0);
      const scale = make_qx_quants(16, 32, x.slice(16 * ib, 16 * ib + 16), Ls);
      for (let l = 0; l < 16; l++) L[16 * ib + l] = Ls[l];
      scales.push(scale);
      if (Math.abs(scale) > max_abs_scale) {
        max_abs_scale = Math.abs(scale);
        max_scale = scale;
      }
    }
    if (max_abs_scale < GROUP_MAX_EPS) {
      for (let b = 0; b < 210; b++) bytes.push(0);
      continue;
    }
    const iscale = F(-128 / max_scale);
    const d = FP32_TO_FP16(F(1 / iscale));
    const sc: number[] = [];
    for (let ib = 0; ib < 16; ++ib) {
      let s = Math.min(127, nearest_int(F(iscale * scales[ib])));
      s = s > 127 ? s - 256 : s < -128 ? s + 256 : s;
      sc.push(s);
    }
    for (let j = 0; j < 16; ++j) {
      const dd = F(FP16_TO_FP32(d) * sc[j]);
      if (!dd) continue;
      for (let ii = 0; ii < 16; ++ii) {
        const l = nearest_int(F(x[16 * j + ii] / dd));
        L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
      }
    }
    const ql: number[] = new Array(128).fill(0);
    const qh: number[] = new Array(64).fill(0);
    for (let j = 0, o = 0, h = 0; j < 256; j += 128, o += 64, h += 32) {
      for (let l = 0; l < 32; ++l) {
        ql[o + l] = (L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4);
        ql[o + l + 32] = (L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4);
        qh[h + l] =
          (L[j + l] >> 4) |
          ((L[j + l + 32] >> 4) << 2) |
          ((L[j + l + 64] >> 4) << 4) |
          ((L[j + l + 96] >> 4) << 6);
      }
    }
    bytes.push(...ql, ...qh, ...sc.map((s) => s & 255), d & 255, d >> 8);
  }
  return bytes;
}

function ref_encode(type: GgmlType, x: number[]): number[] {
  switch (type) {
    case GgmlType.Q8_0:
      return ref_q8_0(x);
    case GgmlType.Q4_0:
      return ref_q4_0(x, 4);
    case GgmlType.Q5_0:
      return ref_q4_0(x, 5);
    case GgmlType.Q4_K:
      return ref_q4_K(x);
    case GgmlType.Q6_K:
      return ref_q6_K(x);
    default:
      throw new Error("no reference");
  }
}

function int8(b: number): number {
  return b > 127 ? b - 256 : b;
}

function ref_decode(type: GgmlType, b: number[], n: number): number[] {
  const y: number[] = [];
  const { typeSize } = ggmlTypeInfo(type);
  for (let off = 0; y.length < n; off += typeSize) {
    const blk = b.slice(off, off + typeSize);
    if (type === GgmlType.Q8_0) {
      const d = FP16_TO_FP32(blk[0] | (blk[1] << 8));
      for (let j = 0; j < 32; j++) y.push(F(int8(blk[2 + j]) * d));
    } else if (type === GgmlType.Q4_0 || type === GgmlType.Q5_0) {
      const d = FP16_TO_FP32(blk[0] | (blk[1] << 8));
      const five = type === GgmlType.Q5_0;
      const qh = five ? blk[2] + blk[3] * 256 + blk[4] * 65536 + blk[5] * 16777216 : 0;
      const qs = blk.slice(five ? 6 : 2);
      const lo: number[] = [];
      const hi: number[] = [];
      for (let j = 0; j < 16; j++) {
        const h0 = five ? (Math.floor(qh / 2 ** j) & 1) << 4 : 0;
        const h1 = five ? (Math.floor(qh / 2 ** (j + 16)) & 1) << 4 : 0;
        const off8 = five ? 16 : 8;
        lo.push(F(((qs[j] & 15) + h0 - off8) * d));
        hi.push(F(((qs[j] >> 4) + h1 - off8) * d));
      }
      y.push(...lo, ...hi);
    } else if (type === GgmlType.Q4_K) {
      const d = FP16_TO_FP32(blk[0] | (blk[1] << 8));
      const dmin = FP16_TO_FP32(blk[2] | (blk[3] << 8));
      const sc = blk.slice(4, 16);
      for (let j = 0; j < 4; j++) {
        const q = blk.slice(16 + 32 * j, 48 + 32 * j);
        const [s1, m1] = get_scale_min_k4(2 * j, sc);
        const [s2, m2] = get_scale_min_k4(2 * j + 1, sc);
        for (const v of q) y.push(F(F(F(d * s1) * (v & 15)) - F(dmin * m1)));
        for (const v of q) y.push(F(F(F(d * s2) * (v >> 4)) - F(dmin * m2)));
      }
    } else if (type === GgmlType.Q6_K) {
      const d = FP16_TO_FP32(blk[208] | (blk[209] << 8));
      const out: number[] = new Array(256).fill(0);
      for (let half = 0; half < 2; half++) {
        const ql = blk.slice(64 * half, 64 * half + 64);
        const qh = blk.slice(128 + 32 * half, 160 + 32 * half);
        const sc = blk.slice(192 + 8 * half, 200 + 8 * half).map(int8);
        for (let l = 0; l < 32; l++) {
          const is = Math.floor(l / 16);
          const q1 = ((ql[l] & 15) | ((qh[l] & 3) << 4)) - 32;
          const q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
          const q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          const q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
          out[128 * half + l] = F(F(d * sc[is]) * q1);
          out[128 * half + l + 32] = F(F(d * sc[is + 2]) * q2);
          out[128 * half + l + 64] = F(F(d * sc[is + 4]) * q3);
          out[128 * half + l + 96] = F(F(d * sc[is + 6]) * q4);
        }
      }
      y.push(...out);
    }
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// Seeded data
// ---------------------------------------------------------------------------------------------
function gaussian(n: number, seed: number, sigma: number): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/** Edge cases, each a 256-value super-block (so every block type sees all of them). */
function edgeCases(): Record<string, Float32Array> {
  const cases: Record<string, Float32Array> = {};
  cases["all zero"] = new Float32Array(256);
  const outliers = gaussian(256, 7, 0.01);
  outliers[3] = 900;
  outliers[77] = -4000;
  outliers[200] = 30000;
  cases["huge outliers"] = outliers;
  const negMax = gaussian(256, 8, 0.5);
  for (let b = 0; b < 256; b += 16) negMax[b + 5] = -3 - b / 100; // largest magnitude negative in every group
  cases["negative maxima"] = negMax;
  cases["all negative"] = gaussian(256, 9, 1).map((v) => -Math.abs(v) - 0.1);
  cases["all positive"] = gaussian(256, 10, 1).map((v) => Math.abs(v) + 0.1);
  cases["tiny values"] = gaussian(256, 11, 1e-6);
  cases["subnormal-scale values"] = gaussian(256, 12, 1e-9);
  cases["below eps"] = gaussian(256, 13, 1e-17);
  cases.constant = new Float32Array(256).fill(-0.25);
  const halfZero = gaussian(256, 14, 2);
  halfZero.fill(0, 0, 128);
  cases["zero sub-blocks"] = halfZero;
  const ties = new Float32Array(256);
  for (let i = 0; i < 256; i++) ties[i] = ((i % 33) - 16) / 2; // exact halves: exercises round-half rules
  cases["half-way values"] = ties;
  return cases;
}

const TYPES: GgmlType[] = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K];

describe("quantizers equal a plain transcription of ggml's reference quantizers", () => {
  for (const type of TYPES) {
    const name = GgmlType[type];
    it(`${name}: random tensors (seeded), byte for byte`, () => {
      for (const [seed, sigma] of [
        [1, 0.02],
        [2, 1],
        [3, 150],
      ] as const) {
        const data = gaussian(256 * 24, seed, sigma);
        const ours = quantizeRows(type, data, 512);
        expect(Array.from(ours)).toEqual(ref_encode(type, Array.from(data)));
        const back = dequantizeRows(type, ours, data.length);
        expect(Array.from(back)).toEqual(ref_decode(type, Array.from(ours), data.length));
      }
    });
    it(`${name}: edge cases, byte for byte`, () => {
      for (const [label, data] of Object.entries(edgeCases())) {
        const ours = quantizeRows(type, data, 256);
        expect(Array.from(ours), label).toEqual(ref_encode(type, Array.from(data)));
        const back = dequantizeRows(type, ours, data.length);
        expect(Array.from(back), label).toEqual(ref_decode(type, Array.from(ours), data.length));
      }
    });
  }
});

describe("quantization error stays within each type's bound", () => {
  const data = gaussian(256 * 64, 21, 0.05);
  // SNR floors from the bits per weight: ~6 dB per bit minus the cost of block scales.
  const snrFloor: Partial<Record<GgmlType, number>> = {
    [GgmlType.Q8_0]: 38,
    [GgmlType.Q6_K]: 28,
    [GgmlType.Q5_0]: 22,
    [GgmlType.Q4_K]: 18,
    [GgmlType.Q4_0]: 16,
  };
  for (const type of TYPES) {
    it(`${GgmlType[type]} round trip`, () => {
      const back = dequantizeRows(type, quantizeRows(type, data, 1024), data.length);
      const stats = errorStats(data, back);
      expect(stats.snrDb).toBeGreaterThan(snrFloor[type] ?? 0);
      expect(stats.maxAbs).toBeLessThan(0.05);
    });
  }
  it("Q8_0 errs by at most half a step per block; Q4_0 by at most one step", () => {
    for (const [type, steps, levels] of [
      [GgmlType.Q8_0, 0.5, 127],
      [GgmlType.Q4_0, 1, 8],
    ] as const) {
      const back = dequantizeRows(type, quantizeRows(type, data, 1024), data.length);
      for (let b = 0; b < data.length; b += 32) {
        let amax = 0;
        for (let j = b; j < b + 32; j++) amax = Math.max(amax, Math.abs(data[j]));
        // d is stored as fp16: allow its relative rounding (2^-11) on top of the step bound.
        const bound = (amax / levels) * steps * (1 + 2 ** -10) + (amax / levels) * levels * 2 ** -11;
        for (let j = b; j < b + 32; j++) expect(Math.abs(back[j] - data[j])).toBeLessThanOrEqual(bound);
      }
    }
  });
  it("an all-zero tensor decodes to exact zeros in every type", () => {
    for (const type of TYPES) {
      const back = dequantizeRows(type, quantizeRows(type, new Float32Array(512), 256), 512);
      expect(back.every((v) => v === 0)).toBe(true);
    }
  });
});

describe("fp16 conversion (round to nearest even, as ggml)", () => {
  it("round-trips every finite half exactly and matches ggml's algorithm on all of them", () => {
    for (let h = 0; h < 65536; h++) {
      const f = fp16ToFp32(h);
      if (Number.isNaN(f)) {
        expect(fp32ToFp16(f) & 0x7fff).toBe(0x7e00);
        continue;
      }
      expect(fp32ToFp16(f)).toBe(h);
      expect(FP32_TO_FP16(f)).toBe(h);
    }
  });
  it("matches ggml's conversion on midpoints, random floats, overflow and underflow", () => {
    const r = seededRandom(5);
    const values: number[] = [
      65504,
      65519.99,
      65520,
      1e9,
      -1e9,
      2 ** -25,
      2 ** -24,
      3 * 2 ** -26,
      1e-10,
      Number.POSITIVE_INFINITY,
    ];
    for (let h = 0; h < 0x7bff; h += 37) {
      const lo = fp16ToFp32(h);
      const hi = fp16ToFp32(h + 1);
      values.push((lo + hi) / 2, -(lo + hi) / 2); // exact ties go to the even neighbour
    }
    for (let i = 0; i < 20000; i++) values.push((r() - 0.5) * 2 ** (r() * 40 - 24));
    for (const v of values) expect(fp32ToFp16(v), String(v)).toBe(FP32_TO_FP16(v));
    expect(fp32ToFp16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even mantissa 0
    expect(fp32ToFp16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even mantissa 2
  });
});

describe("quantizeRows input checks", () => {
  it("rejects rows that are not whole blocks", () => {
    expect(() => quantizeRows(GgmlType.Q4_K, new Float32Array(96), 96)).toThrow(
      /not a multiple of the Q4_K block size 256/,
    );
    expect(() => quantizeRows(GgmlType.Q8_0, new Float32Array(100), 32)).toThrow(/whole number of rows/);
  });
  it("rejects types without an encoder", () => {
    expect(() => quantizeRows(GgmlType.Q2_K, new Float32Array(256), 256)).toThrow(/cannot quantize to Q2_K/);
  });
});
