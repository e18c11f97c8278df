/**
 * ggml's reference quantizers compute in C `float`. JavaScript computes in double, so every
 * arithmetic step is rounded back to float32 with `f32` (Math.fround). Rounding a double result
 * of +, -, *, / or sqrt on float32 operands to float32 equals the correctly rounded float32
 * operation, so this reproduces the C results bit for bit (ggml-base is built without FMA
 * contraction for these functions).
 */
export const f32 = Math.fround;

const ROUNDING_MAGIC = 12582912; // 1.5 * 2^23

/**
 * ggml's `nearest_int`: adds 1.5*2^23 in float32 and reads the low mantissa bits, which rounds
 * half to even. Valid for |x| <= 4194303, as ggml asserts.
 */
export function nearestInt(x: number): number {
  return f32(x + ROUNDING_MAGIC) - ROUNDING_MAGIC;
}

/** C's `roundf`: half away from zero. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** ggml's GROUP_MAX_EPS (1e-15f): a group whose largest magnitude is below it is all zero. */
export const GROUP_MAX_EPS = f32(1e-15);
