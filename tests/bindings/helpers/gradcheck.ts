/**
 * Finite-difference gradient checks for layers (runtime-neutral: no node:* imports).
 *
 * tests/harness/numeric.ts has `expectDirectionalDerivative`, built for conv2d: a fixed absolute ε
 * and two directions, asserting inside. Layer checks need more, so this file builds on the same
 * primitives (seededRandom, randomArray, maxAbs) and adds:
 * - ε relative to the tensor's scale (ε = relEps · rms(θ)), so BatchNorm weights (≈ 1) and small
 *   attention weights (≈ 0.1) are perturbed by comparable relative amounts;
 * - the analytic side is computed from the float32 points actually evaluated,
 *   ⟨∇L, θ⁺ − θ⁻⟩ / 2ε, so rounding θ ± εv to float32 does not count as error;
 * - Richardson extrapolation over ε and ε/2, so strong curvature (train-mode BatchNorm) does not
 *   force a loose tolerance;
 * - three directions: a random v, v = ∇L / max|∇L| (catches a uniformly scaled gradient, which a
 *   random v can hide by cancellation) and the unit vector at the largest |∇L| entry (catches one
 *   wrong entry, which both dense directions average away in a large tensor);
 * - results are returned rather than only asserted, so a negative control can assert that a wrong
 *   gradient FAILS the same comparison (the check is proven able to fail).
 */
import { expect } from 'vitest';
import type { CoreOps } from '../../../bindings/backend';
import type { Tensor } from '../../../bindings/tensor';
import { maxAbs, randomArray } from '../../harness/numeric';

export interface GradcheckOptions {
  /** ε = relEps · rms(θ) (rms 0 → relEps). Default 1e-2. */
  relEps?: number;
  /** |numeric − analytic| ≤ rtol · Σ|∇L ⊙ Δθ| / 2ε + atol. Default 2e-3. */
  rtol?: number;
  /**
   * Absolute floor, as a fraction of lossScale / ε (the float32 noise of the loss is roughly
   * 1e-7 of Σ|y ⊙ g|, and the finite difference divides it by ε). Default 1e-5.
   */
  noise?: number;
  /**
   * Richardson extrapolation of the central difference from steps ε and ε/2 (default true): removes
   * the O(ε²) truncation error, which in train-mode BatchNorm layers (normalising a product of
   * per-sample dynamic terms over a batch of 2) reaches ~10% at ε = 1e-2 along some directions —
   * a property of the finite difference, not of the gradient (it shrinks as ε² when ε → 0).
   */
  extrapolate?: boolean;
}

export interface DirectionResult {
  direction: 'random' | 'gradient' | 'max entry';
  numeric: number;
  analytic: number;
  /** Σ|∇L ⊙ Δθ| / 2ε: what the error is judged against. */
  scale: number;
  err: number;
  bound: number;
  ok: boolean;
  /** err · ε / lossScale: the error as a fraction of the loss's float32 noise scale (diagnostic). */
  noiseUnits: number;
}

function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return a.length === 0 ? 0 : Math.sqrt(s / a.length);
}

function argMaxAbs(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (Math.abs(a[i]) > Math.abs(a[best])) best = i;
  return best;
}

/** The finite-difference side of one direction: reusable to judge any candidate gradient. */
export interface Probe {
  direction: DirectionResult['direction'];
  /** The (extrapolated) central difference of the loss along the direction. */
  numeric: number;
  /** The perturbation actually evaluated, per entry (float32-rounded, extrapolation-combined) / ε. */
  delta: Float64Array;
  /** Absolute noise floor of `numeric`. */
  floor: number;
  /** err · ε / lossScale per unit err (diagnostic). */
  noisePerErr: number;
}

/**
 * Central differences of `loss` at `p` along three directions built from `grad` (random, along the
 * gradient, unit vector at its largest entry). `lossScale` is Σ|y ⊙ g| at p (sets the noise floor).
 */
export function finiteDifferences(
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  { relEps = 1e-2, noise = 1e-7, extrapolate = true }: GradcheckOptions = {},
): Probe[] {
  if (grad.length !== p.length) throw new Error(`gradcheck: gradient has ${grad.length} entries, parameter ${p.length}`);
  const eps = relEps * (rms(p) || 1);
  const gScale = maxAbs(grad) || 1;
  const unit = new Float32Array(p.length);
  unit[argMaxAbs(grad)] = 1;
  const directions: [DirectionResult['direction'], Float32Array][] = [
    ['random', randomArray(p.length, rand)],
    ['gradient', Float32Array.from(grad, (g) => g / gScale)],
    ['max entry', unit],
  ];
  // One central difference with step h along v, and the float32 points it actually evaluated.
  const central = (v: Float32Array, h: number) => {
    const plus = new Float32Array(p.length), minus = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      plus[i] = p[i] + h * v[i];
      minus[i] = p[i] - h * v[i];
    }
    const delta = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) delta[i] = (plus[i] - minus[i]) / (2 * h); // ≈ v[i]
    return { numeric: (loss(plus) - loss(minus)) / (2 * h), delta };
  };
  return directions.map(([direction, v]): Probe => {
    let { numeric, delta } = central(v, eps);
    let noiseGain = 1;
    if (extrapolate) {
      // Richardson: D(ε) = D + c·ε² + O(ε⁴), so (4·D(ε/2) − D(ε)) / 3 = D + O(ε⁴); the analytic side is
      // combined the same way. Its float32 noise is (4·2 + 1)/3 = 3× that of D(ε).
      const half = central(v, eps / 2);
      numeric = (4 * half.numeric - numeric) / 3;
      delta = delta.map((d, i) => (4 * half.delta[i] - d) / 3);
      noiseGain = 3;
    }
    return { direction, numeric, delta, floor: (noiseGain * noise * lossScale) / eps, noisePerErr: eps / lossScale };
  });
}

/** Judges a candidate gradient against finite-difference probes: |numeric − ⟨grad, Δ⟩| ≤ rtol·Σ|grad ⊙ Δ| + floor. */
export function judge(probes: readonly Probe[], grad: ArrayLike<number>, { rtol = 2e-3 }: GradcheckOptions = {}): DirectionResult[] {
  return probes.map(({ direction, numeric, delta, floor, noisePerErr }) => {
    let analytic = 0, scale = 0;
    for (let i = 0; i < delta.length; i++) {
      analytic += grad[i] * delta[i];
      scale += Math.abs(grad[i] * delta[i]);
    }
    const err = Math.abs(numeric - analytic);
    const bound = rtol * scale + floor;
    return { direction, numeric, analytic, scale, err, bound, ok: err <= bound, noiseUnits: err * noisePerErr };
  });
}

/** finiteDifferences + judge for `grad` itself: one result per direction. */
export function gradcheck(
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  options: GradcheckOptions = {},
): DirectionResult[] {
  return judge(finiteDifferences(loss, p, grad, lossScale, rand, options), grad, options);
}

const fmt = (r: DirectionResult): string =>
  `${r.direction}: finite difference ${r.numeric.toExponential(5)} vs analytic ${r.analytic.toExponential(5)} ` +
  `(|diff| ${r.err.toExponential(2)}, scale ${r.scale.toExponential(2)}, bound ${r.bound.toExponential(2)})`;

/** Asserts that every direction of gradcheck passes; returns probes (for negative controls) and results. */
export function expectGradcheck(
  label: string,
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  options?: GradcheckOptions,
): { probes: Probe[]; results: DirectionResult[] } {
  const probes = finiteDifferences(loss, p, grad, lossScale, rand, options);
  const results = judge(probes, grad, options);
  // Diagnostic hook for tuning (unset in the suites): globalThis.__gradcheckLog(label, results).
  (globalThis as { __gradcheckLog?: (l: string, r: DirectionResult[]) => void }).__gradcheckLog?.(label, results);
  for (const r of results) expect(r.err, `${label} — ${fmt(r)}`).toBeLessThanOrEqual(r.bound);
  return { probes, results };
}

/**
 * The check's resolution on these probes: the largest bound / scale over the directions, i.e. the
 * relative error a gradient may have and still pass. Small for most tensors (~2e-3 + noise); large
 * when a tensor's gradient is tiny next to the float32 noise of the loss (e.g. DY-Conv attention at
 * τ = 30, a 1×1 SE-gate weight).
 */
export const resolution = (results: readonly DirectionResult[]): number =>
  Math.max(...results.map((r) => (r.scale > 0 ? r.bound / r.scale : Infinity)));

/**
 * Negative controls on the probes of a passed check, with no extra evaluation: the same gradient
 * scaled by `factor`, and with only its largest entry scaled by `factor`, must each fail some direction.
 */
export function expectWrongGradientsFail(
  label: string, probes: readonly Probe[], grad: ArrayLike<number>, factor = 1.1, options?: GradcheckOptions,
): void {
  for (const [what, wrong] of [[`×${factor}`, scaled(grad, factor)], [`max entry ×${factor}`, perturbMaxEntry(grad, factor)]] as const) {
    const results = judge(probes, wrong, options);
    expect(results.some((r) => !r.ok), `${label} ${what}: a wrong gradient passed every direction — ${results.map(fmt).join('; ')}`)
      .toBe(true);
  }
}

/** Negative control: asserts that at least one direction of gradcheck FAILS for a wrong gradient. */
export function expectGradcheckFails(
  label: string,
  loss: (p: Float32Array) => number,
  p: Float32Array,
  wrongGrad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  options?: GradcheckOptions,
): DirectionResult[] {
  const results = gradcheck(loss, p, wrongGrad, lossScale, rand, options);
  expect(results.some((r) => !r.ok), `${label}: a wrong gradient passed every direction — ${results.map(fmt).join('; ')}`)
    .toBe(true);
  return results;
}

/** The gradient with its largest-|·| entry scaled by `factor` (a single wrong entry). */
export function perturbMaxEntry(grad: ArrayLike<number>, factor = 1.1): Float32Array {
  const out = Float32Array.from(grad);
  out[argMaxAbs(out)] *= factor;
  return out;
}

/** The whole gradient scaled by `factor`. */
export const scaled = (grad: ArrayLike<number>, factor = 1.1): Float32Array => Float32Array.from(grad, (g) => g * factor);

// ---------------------------------------------------------------- layers

/** What a layer needs here: forward/backward/grads and state-dict access (Layer from bindings/layers). */
export interface GradLayer {
  forward(x: Tensor): Tensor;
  backward(dy: Tensor): Tensor;
  grads(): Record<string, Tensor>;
  namedParameters(): [string, Tensor][];
  stateDict(): Record<string, { shape: number[]; data: Float32Array }>;
  loadStateDict(sd: Record<string, { shape: readonly number[]; data: Float32Array }>): unknown;
}

export interface LayerProblem {
  x: Float32Array;
  /** The fixed random g of L = Σ y ⊙ g. */
  g: Float32Array;
  yShape: number[];
  /** Σ|y ⊙ g| at the base point. */
  lossScale: number;
  /** Analytic dL/dx and dL/dθ (by parameter name) from one forward + backward(g). */
  dx: Float32Array;
  grads: Record<string, Float32Array>;
  /** Parameter values at the base point, by name. */
  params: Record<string, Float32Array>;
  /** L at input `x` with parameter `name` (if given) replaced by `value`; restores the base state first. */
  loss(x: Float32Array, name?: string, value?: Float32Array): number;
}

/**
 * Sets up L = Σ y ⊙ g for a layer at its current state (the "base" state dict) and input x. Every
 * evaluation first loads the base state dict (plus the one replaced parameter), so train-mode
 * BatchNorm running statistics updated by earlier forwards never leak into a later evaluation; the
 * layer is left in its base state.
 */
export function layerProblem(m: CoreOps, layer: GradLayer, x: Float32Array, xShape: readonly number[], rand: () => number): LayerProblem {
  const base = layer.stateDict();
  const paramNames = layer.namedParameters().map(([name]) => name);
  const forwardY = (xd: Float32Array): Float32Array => m.scope(() => layer.forward(m.tensor(xd, xShape)).toFloat32Array());
  layer.loadStateDict(base);
  const first = m.scope(() => {
    const xt = m.tensor(x, xShape);
    const y = layer.forward(xt);
    const g = randomArray(y.size, rand);
    const dx = layer.backward(m.tensor(g, y.shape)).toFloat32Array();
    const grads = Object.fromEntries(Object.entries(layer.grads()).map(([k, t]) => [k, t.toFloat32Array()]));
    return { y: y.toFloat32Array(), yShape: [...y.shape], g, dx, grads };
  });
  layer.loadStateDict(base);
  let lossScale = 0;
  for (let i = 0; i < first.y.length; i++) lossScale += Math.abs(first.y[i] * first.g[i]);
  const loss = (xd: Float32Array, name?: string, value?: Float32Array): number => {
    layer.loadStateDict(name === undefined ? base : { ...base, [name]: { shape: base[name].shape, data: value! } });
    const y = forwardY(xd);
    layer.loadStateDict(base);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * first.g[i];
    return s;
  };
  return {
    x, g: first.g, yShape: first.yShape, lossScale, dx: first.dx, grads: first.grads,
    params: Object.fromEntries(paramNames.map((n) => [n, base[n].data])), loss,
  };
}

/** Resolution up to which a 10% error must be caught; coarser tensors get a 2× error instead. */
export const FINE_RESOLUTION = 0.05;
/** No tensor may be checked more coarsely than this (a gradient 50% off always fails). */
export const MAX_RESOLUTION = 0.5;

/**
 * Checks dL/dx and every parameter's gradient of a layer problem (each tensor on its own), that
 * backward produced a gradient for exactly the layer's parameters, and — on the same finite
 * differences — that each gradient made wrong fails: 10% off (as a whole, or in its largest entry)
 * where the check's resolution is ≤ FINE_RESOLUTION, else 2× off. Returns the tensors checked only
 * coarsely, with their resolution (for the report).
 */
export function expectLayerGradients(
  label: string, pr: LayerProblem, rand: () => number, options?: GradcheckOptions,
  optionsFor: (name: string) => GradcheckOptions | undefined = () => options,
): Record<string, number> {
  expect(Object.keys(pr.grads).sort(), `${label}: gradient names`).toEqual(Object.keys(pr.params).sort());
  const coarse: Record<string, number> = {};
  const check = (name: string, loss: (p: Float32Array) => number, value: Float32Array, grad: Float32Array) => {
    const options = optionsFor(name);
    const { probes, results } = expectGradcheck(`${label} d[${name}]`, loss, value, grad, pr.lossScale, rand, options);
    const res = resolution(results);
    expect(res, `${label} d[${name}]: resolution of the check (bound / scale)`).toBeLessThanOrEqual(MAX_RESOLUTION);
    if (res > FINE_RESOLUTION) coarse[name] = res;
    expectWrongGradientsFail(`${label} d[${name}]`, probes, grad, res > FINE_RESOLUTION ? 2 : 1.1, options);
  };
  check('x', (x) => pr.loss(x), pr.x, pr.dx);
  for (const [name, value] of Object.entries(pr.params)) check(name, (p) => pr.loss(pr.x, name, p), value, pr.grads[name]);
  return coarse;
}

/**
 * End-to-end negative control with fresh evaluations (directions built from the wrong gradient):
 * dx scaled by 1.1 and parameter `name`'s gradient with its largest entry 10% off must both fail.
 */
export function expectLayerNegativeControls(label: string, pr: LayerProblem, name: string, rand: () => number, options?: GradcheckOptions): void {
  expectGradcheckFails(`${label} dx ×1.1`, (x) => pr.loss(x), pr.x, scaled(pr.dx), pr.lossScale, rand, options);
  expectGradcheckFails(`${label} d[${name}] max entry ×1.1`, (p) => pr.loss(pr.x, name, p), pr.params[name],
    perturbMaxEntry(pr.grads[name]), pr.lossScale, rand, options);
}
