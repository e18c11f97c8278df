/** Small dense linear algebra for the corpus embedder; row-major Float64Arrays. */
import { seededRandom } from "@seekdesk/core/random.ts";

/** Sparse symmetric matrix in CSR form. */
export interface Csr {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/** Y = A · X, with X dense n×l. */
export function csrTimesDense(a: Csr, x: Float64Array, l: number): Float64Array {
  const y = new Float64Array(a.n * l);
  for (let i = 0; i < a.n; i++) {
    const yo = i * l;
    for (let p = a.rowPtr[i] as number; p < (a.rowPtr[i + 1] as number); p++) {
      const v = a.vals[p] as number;
      const xo = (a.cols[p] as number) * l;
      for (let c = 0; c < l; c++) y[yo + c] = (y[yo + c] as number) + v * (x[xo + c] as number);
    }
  }
  return y;
}

/** Orthonormalises the l columns of an n×l matrix in place (modified Gram-Schmidt, twice for stability). */
export function orthonormalize(y: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < l; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (y[i * l + c] as number) * (y[i * l + p] as number);
        for (let i = 0; i < n; i++) y[i * l + c] = (y[i * l + c] as number) - dot * (y[i * l + p] as number);
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += (y[i * l + c] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) y[i * l + c] = (y[i * l + c] as number) / norm;
    }
  }
}

/** Eigen-decomposition of a small symmetric l×l matrix by cyclic Jacobi rotations. */
export function symmetricEigen(m: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += (a[p * l + q] as number) ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q] as number;
        if (Math.abs(apq) < 1e-15) continue;
        const theta = ((a[q * l + q] as number) - (a[p * l + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p] as number;
          const akq = a[k * l + q] as number;
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k] as number;
          const aqk = a[q * l + k] as number;
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p] as number;
          const vkq = v[k * l + q] as number;
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(l);
  for (let i = 0; i < l; i++) values[i] = a[i * l + i] as number;
  return { values, vectors: v };
}

/** Top-d eigenpairs of a sparse symmetric matrix by randomized subspace iteration (Halko et al., 2011). */
export function randomizedEigen(
  a: Csr,
  d: number,
  opts: { oversample?: number; iterations?: number; seed?: number } = {},
): { values: Float64Array; vectors: Float64Array } {
  const l = Math.min(a.n, d + (opts.oversample ?? 10));
  const rand = seededRandom(opts.seed ?? 7);
  let y: Float64Array = new Float64Array(a.n * l);
  for (let i = 0; i < y.length; i++) y[i] = rand() * 2 - 1;
  y = csrTimesDense(a, y, l);
  orthonormalize(y, a.n, l);
  for (let it = 0; it < (opts.iterations ?? 2); it++) {
    y = csrTimesDense(a, y, l);
    orthonormalize(y, a.n, l);
  }
  // B = Qᵀ A Q (l×l), then rotate Q by B's eigenvectors.
  const aq = csrTimesDense(a, y, l);
  const b = new Float64Array(l * l);
  for (let i = 0; i < a.n; i++) {
    for (let r = 0; r < l; r++) {
      const q = y[i * l + r] as number;
      if (q === 0) continue;
      for (let c = 0; c < l; c++) b[r * l + c] = (b[r * l + c] as number) + q * (aq[i * l + c] as number);
    }
  }
  const { values, vectors } = symmetricEigen(b, l);
  const order = [...values.keys()].sort((x, z) => (values[z] as number) - (values[x] as number)).slice(0, d);
  const out = new Float64Array(a.n * d);
  for (let i = 0; i < a.n; i++) {
    for (let j = 0; j < d; j++) {
      const col = order[j] as number;
      let s = 0;
      for (let r = 0; r < l; r++) s += (y[i * l + r] as number) * (vectors[r * l + col] as number);
      out[i * d + j] = s;
    }
  }
  return { values: Float64Array.from(order.map((o) => values[o] as number)), vectors: out };
}
