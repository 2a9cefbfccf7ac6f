/**
 * Numeric helpers shared by the binding suites: seeded random data, tolerance checks with
 * informative failure messages, and finite-difference checks of gradients.
 */
import { expect } from 'vitest';

/** Deterministic uniform numbers in [-1, 1) (mulberry32), so a failing random case is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

export function randomArray(length: number, rand: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rand();
  return out;
}

/** Random integer in [lo, hi]. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.min(hi - lo, Math.floor(((rand() + 1) / 2) * (hi - lo + 1)));
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a − b|; NaN anywhere counts as infinitely far. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

export interface Tolerance {
  /** relative to max|want| over the whole tensor (not per element: small entries are noisy). */
  rtol: number;
  atol: number;
}

/** Asserts max|got − want| ≤ atol + rtol·max|want|, naming the tensor and the numbers on failure. */
export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const worst = maxAbsDiff(got, want);
  const bound = tol.atol + tol.rtol * maxAbs(want);
  expect(worst, `${label}: max |got − want| = ${worst.toExponential(3)} exceeds ${bound.toExponential(3)}`)
    .toBeLessThanOrEqual(bound);
}

/** Σ a·b in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Σ |a·b| in float64: the scale against which a dot product's rounding error is judged. */
export function absDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] * b[i]);
  return s;
}

/** p + t·v in float32. */
export function axpy(p: Float32Array, t: number, v: Float32Array): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] + t * v[i];
  return out;
}

/**
 * Checks an analytic gradient `grad` of loss(p) at p by central differences along two directions v:
 * (loss(p + εv) − loss(p − εv)) / 2ε ≈ ⟨grad, v⟩, for a random v and for v = grad itself (a random
 * v alone can nearly cancel and hide a uniformly scaled gradient; v = grad cannot). The error is
 * judged against Σ|grad·v|, so cancellation cannot fake a match either; a wrong gradient (transposed
 * kernel, missing term, wrong index, wrong scale) is off by far more. For conv2d the float32 noise
 * measured ~1e-5 of that scale, hence rtol 5e-4.
 */
export function expectDirectionalDerivative(
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: Float32Array,
  rand: () => number,
  label: string,
  { eps = 1e-2, rtol = 5e-4 } = {},
): void {
  const gradScale = maxAbs(grad) || 1;
  const directions = [randomArray(p.length, rand), grad.map((g) => g / gradScale)];
  for (const [i, v] of directions.entries()) {
    const numeric = (loss(axpy(p, eps, v)) - loss(axpy(p, -eps, v))) / (2 * eps);
    const analytic = dot(grad, v);
    const scale = absDot(grad, v);
    const err = Math.abs(numeric - analytic);
    expect(err, `${label} (${i === 0 ? 'random direction' : 'along the gradient'}): finite difference ` +
      `${numeric.toExponential(5)} vs analytic ${analytic.toExponential(5)} (scale ${scale.toExponential(3)})`)
      .toBeLessThanOrEqual(rtol * scale + 1e-6);
  }
}

/** Inputs of an op y = f(x; w, b): input, weight and bias (`b` is ignored when the case has none). */
export interface XWB { x: Float32Array; w: Float32Array; b: Float32Array }
/** An op's output and the gradients of a backward pass (any of them may be absent if not asked for). */
export interface XWBGrads { y: ArrayLike<number>; dx?: ArrayLike<number>; dw?: ArrayLike<number>; db?: ArrayLike<number> }

/**
 * expectDirectionalDerivative for each of dx, dw (and db when `bias`), each varying one of x, w, b of
 * `d` and holding the others: `lossAt(x, w, b)` is the scalar whose gradients `grads` claims to be.
 */
export function expectXWBDerivatives(
  lossAt: (x: Float32Array, w: Float32Array, b: Float32Array) => number,
  d: XWB, grads: XWBGrads, bias: boolean, rand: () => number, label: string,
): void {
  expectDirectionalDerivative((x) => lossAt(x, d.w, d.b), d.x, grads.dx as Float32Array, rand, `${label} dx`);
  expectDirectionalDerivative((w) => lossAt(d.x, w, d.b), d.w, grads.dw as Float32Array, rand, `${label} dw`);
  if (bias) expectDirectionalDerivative((b) => lossAt(d.x, d.w, b), d.b, grads.db as Float32Array, rand, `${label} db`);
}

/** expectAllClose on y, dx, dw (and db when `bias`) of two runs of the same op. */
export function expectXWBClose(got: XWBGrads, want: XWBGrads, bias: boolean, tol: Tolerance, label: string): void {
  expectAllClose(got.y, want.y, tol, `${label}: y`);
  expectAllClose(got.dx!, want.dx!, tol, `${label}: dx`);
  expectAllClose(got.dw!, want.dw!, tol, `${label}: dw`);
  if (bias) expectAllClose(got.db!, want.db!, tol, `${label}: db`);
}
