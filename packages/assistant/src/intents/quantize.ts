/**
 * Weights as int8 with one float scale per feature row (its classes' weights), as llama.cpp's
 * Q8_0 does per block: a quarter of the Float32 size, so a CLINC150-sized model persists in
 * ~20 MB instead of ~90 MB of base64. The model predicts with the dequantized weights, so what
 * is saved is exactly what ran.
 */
export interface QuantizedRows {
  q: Int8Array;
  scales: Float32Array;
}

export function quantizeRows(weights: Float32Array, rowLength: number): QuantizedRows {
  const rows = weights.length / rowLength;
  const q = new Int8Array(weights.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let k = r * rowLength; k < (r + 1) * rowLength; k++) max = Math.max(max, Math.abs(weights[k]));
    const scale = Math.fround(max / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let k = r * rowLength; k < (r + 1) * rowLength; k++) q[k] = Math.round(weights[k] / scale);
  }
  return { q, scales };
}

export function dequantizeRows({ q, scales }: QuantizedRows, rowLength: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r];
    for (let k = r * rowLength; k < (r + 1) * rowLength; k++) out[k] = q[k] * s;
  }
  return out;
}
