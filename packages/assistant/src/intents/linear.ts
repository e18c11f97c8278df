import { seededRandom } from "../text/random.ts";
import type { SparseVector } from "./vectorizer.ts";

export interface LinearTrainOptions {
  epochs: number;
  /** L2 strength per example (the λ of λ/2·|w|²). */
  lambda: number;
  /** "softmax" is multinomial logistic regression; "hinge" is the Crammer–Singer multiclass SVM. */
  loss: "softmax" | "hinge";
  seed: number;
  /** Per-class weight of an example's loss (default 1): up-weights a broad class such as OOS. */
  classWeights?: ArrayLike<number>;
}

/**
 * A linear multiclass model over sparse vectors. Weights are laid out feature-major
 * (`w[f * classes + c]`) so one feature's class weights are contiguous: scoring a sparse row
 * touches `nnz` short runs of memory.
 */
export class LinearModel {
  constructor(
    readonly classes: number,
    readonly features: number,
    readonly weights: Float32Array,
    readonly bias: Float32Array,
  ) {}

  scores(x: SparseVector, out = new Float64Array(this.classes)): Float64Array {
    const C = this.classes;
    for (let c = 0; c < C; c++) out[c] = this.bias[c];
    const w = this.weights;
    for (let k = 0; k < x.idx.length; k++) {
      const base = x.idx[k] * C;
      const v = x.val[k];
      for (let c = 0; c < C; c++) out[c] += w[base + c] * v;
    }
    return out;
  }

  /**
   * Plain SGD with the step size schedule η_t = 1 / (λ (t0 + t)) and the weight-scale trick
   * (w = s·v) of Bottou, "Stochastic Gradient Descent Tricks" (2012): L2 decay becomes one
   * multiplication per example, and updates stay sparse. The last epochs are averaged
   * (Polyak–Ruppert), which removes most of SGD's end-of-training noise.
   */
  static train(
    rows: SparseVector[],
    labels: Int32Array,
    classes: number,
    features: number,
    opts: LinearTrainOptions,
  ): LinearModel {
    const C = classes;
    // Float32 halves the memory traffic of the dense per-feature class rows, which dominates.
    const v = new Float32Array(features * C);
    const b = new Float64Array(C);
    // Averaged copies, kept with the same lazy trick: avg = (a + s·v·… ) handled per epoch below.
    const avgW = new Float64Array(features * C);
    const avgB = new Float64Array(C);
    let scale = 1;
    const lambda = opts.lambda;
    const t0 = 1 / (lambda * 0.5);
    let t = 0;
    const rand = seededRandom(opts.seed);
    const order = Array.from(rows.keys());
    const scores = new Float64Array(C);
    const grad = new Float64Array(C);
    const averageFrom = Math.max(0, opts.epochs - Math.max(1, Math.floor(opts.epochs / 2)));
    let averaged = 0;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const r of order) {
        const x = rows[r];
        const y = labels[r];
        const eta = 1 / (lambda * (t0 + t));
        t++;
        for (let c = 0; c < C; c++) scores[c] = b[c];
        for (let k = 0; k < x.idx.length; k++) {
          const base = x.idx[k] * C;
          const xv = x.val[k] * scale;
          for (let c = 0; c < C; c++) scores[c] += v[base + c] * xv;
        }
        let active = 0;
        if (opts.loss === "softmax") {
          let max = -Infinity;
          for (let c = 0; c < C; c++) if (scores[c] > max) max = scores[c];
          let sum = 0;
          for (let c = 0; c < C; c++) {
            grad[c] = Math.exp(scores[c] - max);
            sum += grad[c];
          }
          for (let c = 0; c < C; c++) grad[c] /= sum;
          grad[y] -= 1;
          active = 1;
        } else {
          // Crammer–Singer: push the true class above the best wrong class by a margin of 1.
          let worst = -1;
          let worstScore = -Infinity;
          for (let c = 0; c < C; c++) {
            grad[c] = 0;
            if (c !== y && scores[c] > worstScore) {
              worstScore = scores[c];
              worst = c;
            }
          }
          if (worst >= 0 && scores[y] - worstScore < 1) {
            grad[y] = -1;
            grad[worst] = 1;
            active = 1;
          }
        }
        scale *= 1 - eta * lambda;
        if (scale < 1e-9) {
          for (let k = 0; k < v.length; k++) v[k] *= scale;
          scale = 1;
        }
        if (active) {
          const step = (eta / scale) * (opts.classWeights?.[y] ?? 1);
          for (let c = 0; c < C; c++) {
            const g = grad[c];
            // Classes the model already rules out get a negligible gradient; skipping them
            // is where most of the training time goes after the first epoch.
            if (g > -1e-6 && g < 1e-6) continue;
            for (let k = 0; k < x.idx.length; k++) v[x.idx[k] * C + c] -= step * g * x.val[k];
            b[c] -= eta * g * 0.1 * (opts.classWeights?.[y] ?? 1);
          }
        }
      }
      if (epoch >= averageFrom) {
        for (let k = 0; k < v.length; k++) avgW[k] += v[k] * scale;
        for (let c = 0; c < C; c++) avgB[c] += b[c];
        averaged++;
      }
    }
    const weights = new Float32Array(features * C);
    for (let k = 0; k < weights.length; k++) weights[k] = avgW[k] / averaged;
    const bias = new Float32Array(C);
    for (let c = 0; c < C; c++) bias[c] = avgB[c] / averaged;
    return new LinearModel(C, features, weights, bias);
  }
}
