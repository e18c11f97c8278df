/** Softmax of `scores / temperature`, numerically stable. */
export function softmax(
  scores: ArrayLike<number>,
  temperature = 1,
  out = new Float64Array(scores.length),
): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp((scores[i] - max) / temperature);
    sum += out[i];
  }
  for (let i = 0; i < scores.length; i++) out[i] /= sum;
  return out;
}

/**
 * Reads class probabilities the way the classifier decides: the most probable in-scope class with
 * its probability, and whether the explicit out-of-scope class (index `oosIndex`, -1 for none)
 * beats every class. Shared by prediction, calibration and the benches so they cannot drift apart.
 */
export function topInScope(
  p: ArrayLike<number>,
  oosIndex: number,
): { top: number; confidence: number; oosWins: boolean } {
  let top = -1;
  let overall = 0;
  for (let c = 0; c < p.length; c++) {
    if (p[c] > p[overall]) overall = c;
    if (c !== oosIndex && (top < 0 || p[c] > p[top])) top = c;
  }
  return { top, confidence: top >= 0 ? p[top] : 0, oosWins: top < 0 || overall === oosIndex };
}

function negLogLikelihood(scores: Float64Array[], labels: Int32Array, temperature: number): number {
  let nll = 0;
  const buf = new Float64Array(scores[0]?.length ?? 0);
  for (let i = 0; i < scores.length; i++) {
    const p = softmax(scores[i], temperature, buf);
    nll -= Math.log(Math.max(p[labels[i]], 1e-12));
  }
  return nll / Math.max(1, scores.length);
}

/**
 * Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017): one scalar
 * T minimising held-out NLL of softmax(s / T). NLL is unimodal in log T, so a golden-section
 * search over log T in [e^-5, e^5] finds it without gradients.
 */
export function fitTemperature(scores: Float64Array[], labels: Int32Array): number {
  if (scores.length === 0) return 1;
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = -5;
  let hi = 5;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = negLogLikelihood(scores, labels, Math.exp(a));
  let fb = negLogLikelihood(scores, labels, Math.exp(b));
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = negLogLikelihood(scores, labels, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = negLogLikelihood(scores, labels, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Expected calibration error with equal-width confidence bins (15, as Guo et al.): the
 * sample-weighted gap between mean confidence and accuracy per bin.
 */
export function expectedCalibrationError(confidences: number[], correct: boolean[], bins = 15): number {
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < confidences.length; i++) {
    const bin = Math.min(bins - 1, Math.floor(confidences[i] * bins));
    conf[bin] += confidences[i];
    acc[bin] += correct[i] ? 1 : 0;
    count[bin]++;
  }
  let ece = 0;
  for (let bin = 0; bin < bins; bin++) {
    if (count[bin] > 0) ece += Math.abs(acc[bin] - conf[bin]);
  }
  return ece / Math.max(1, confidences.length);
}
