/** Quantization error of a reconstruction against the original values. */
export interface ErrorStats {
  mse: number;
  maxAbs: number;
  /** 10·log10(signal power / error power); Infinity when the reconstruction is exact. */
  snrDb: number;
}

/** Accumulates error over a tensor fed in chunks, so a report never needs the whole tensor twice. */
export class ErrorAccumulator {
  private signal = 0;
  private noise = 0;
  private maxAbs = 0;
  private count = 0;

  add(original: Float32Array, reconstructed: Float32Array): void {
    for (let i = 0; i < original.length; i++) {
      const e = reconstructed[i] - original[i];
      this.signal += original[i] * original[i];
      this.noise += e * e;
      const a = Math.abs(e);
      if (a > this.maxAbs) this.maxAbs = a;
    }
    this.count += original.length;
  }

  result(): ErrorStats {
    const snrDb = this.noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(this.signal / this.noise);
    return { mse: this.noise / Math.max(1, this.count), maxAbs: this.maxAbs, snrDb };
  }
}

export function errorStats(original: Float32Array, reconstructed: Float32Array): ErrorStats {
  const acc = new ErrorAccumulator();
  acc.add(original, reconstructed);
  return acc.result();
}

/**
 * The baseline the report compares against: symmetric int8 with one scale per row
 * (scale = max|x| / 127, q = round(x / scale)), the simplest 8-bit scheme.
 */
export function symmetricInt8Error(data: Float32Array, rowLength: number): ErrorStats {
  return errorStats(data, symmetricInt8Roundtrip(data, rowLength));
}

export function symmetricInt8Roundtrip(data: Float32Array, rowLength: number): Float32Array {
  const recon = new Float32Array(data.length);
  for (let r = 0; r < data.length; r += rowLength) {
    let amax = 0;
    for (let i = r; i < r + rowLength; i++) amax = Math.max(amax, Math.abs(data[i]));
    const scale = amax / 127;
    for (let i = r; i < r + rowLength; i++) recon[i] = scale === 0 ? 0 : Math.round(data[i] / scale) * scale;
  }
  return recon;
}
