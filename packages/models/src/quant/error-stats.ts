/** Quantization error of a reconstruction against the original values. */
export interface ErrorStats {
  mse: number;
  maxAbs: number;
  /** 10·log10(signal power / error power); Infinity when the reconstruction is exact. */
  snrDb: number;
}

export function errorStats(original: Float32Array, reconstructed: Float32Array): ErrorStats {
  let signal = 0;
  let noise = 0;
  let maxAbs = 0;
  for (let i = 0; i < original.length; i++) {
    const e = reconstructed[i] - original[i];
    signal += original[i] * original[i];
    noise += e * e;
    const a = Math.abs(e);
    if (a > maxAbs) maxAbs = a;
  }
  const n = Math.max(1, original.length);
  const snrDb = noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
  return { mse: noise / n, maxAbs, snrDb };
}

/**
 * The baseline the report compares against: symmetric int8 with one scale per row
 * (scale = max|x| / 127, q = round(x / scale)), the simplest 8-bit scheme.
 */
export function symmetricInt8Error(data: Float32Array, rowLength: number): ErrorStats {
  const recon = new Float32Array(data.length);
  for (let r = 0; r < data.length; r += rowLength) {
    let amax = 0;
    for (let i = r; i < r + rowLength; i++) amax = Math.max(amax, Math.abs(data[i]));
    const scale = amax / 127;
    for (let i = r; i < r + rowLength; i++) recon[i] = scale === 0 ? 0 : Math.round(data[i] / scale) * scale;
  }
  return errorStats(data, recon);
}
