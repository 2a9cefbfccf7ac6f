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

/**
 * Compares the analytic gradient `grad` of `loss` at `p` with central differences along three
 * directions. `lossScale` is Σ|y ⊙ g| at p (sets the noise floor). Returns one result per direction.
 */
export function gradcheck(
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  { relEps = 1e-2, rtol = 2e-3, noise = 1e-7 }: GradcheckOptions = {},
): DirectionResult[] {
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
  return directions.map(([direction, v]) => {
    const plus = new Float32Array(p.length), minus = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      plus[i] = p[i] + eps * v[i];
      minus[i] = p[i] - eps * v[i];
    }
    const numeric = (loss(plus) - loss(minus)) / (2 * eps);
    let analytic = 0, scale = 0;
    for (let i = 0; i < p.length; i++) {
      const d = (plus[i] - minus[i]) / (2 * eps); // ≈ v[i], exactly what was evaluated
      analytic += grad[i] * d;
      scale += Math.abs(grad[i] * d);
    }
    const err = Math.abs(numeric - analytic);
    const bound = rtol * scale + (noise * lossScale) / eps;
    return { direction, numeric, analytic, scale, err, bound, ok: err <= bound, noiseUnits: (err * eps) / lossScale };
  });
}

const fmt = (r: DirectionResult): string =>
  `${r.direction}: finite difference ${r.numeric.toExponential(5)} vs analytic ${r.analytic.toExponential(5)} ` +
  `(|diff| ${r.err.toExponential(2)}, scale ${r.scale.toExponential(2)}, bound ${r.bound.toExponential(2)})`;

/** Asserts that every direction of gradcheck passes; returns the results. */
export function expectGradcheck(
  label: string,
  loss: (p: Float32Array) => number,
  p: Float32Array,
  grad: ArrayLike<number>,
  lossScale: number,
  rand: () => number,
  options?: GradcheckOptions,
): DirectionResult[] {
  const results = gradcheck(loss, p, grad, lossScale, rand, options);
  (globalThis as { __gradcheckLog?: (l: string, r: DirectionResult[]) => void }).__gradcheckLog?.(label, results);
  for (const r of results) expect(r.err, `${label} — ${fmt(r)}`).toBeLessThanOrEqual(r.bound);
  return results;
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

/**
 * Checks dL/dx and every parameter's gradient of a layer problem (each tensor on its own), and that
 * backward produced a gradient for exactly the layer's parameters. Returns the worst err / bound.
 */
export function expectLayerGradients(label: string, pr: LayerProblem, rand: () => number, options?: GradcheckOptions): number {
  expect(Object.keys(pr.grads).sort(), `${label}: gradient names`).toEqual(Object.keys(pr.params).sort());
  let worst = 0;
  const note = (rs: DirectionResult[]) => { for (const r of rs) worst = Math.max(worst, r.err / r.bound); };
  note(expectGradcheck(`${label} dx`, (x) => pr.loss(x), pr.x, pr.dx, pr.lossScale, rand, options));
  for (const [name, value] of Object.entries(pr.params)) {
    note(expectGradcheck(`${label} d[${name}]`, (p) => pr.loss(pr.x, name, p), value, pr.grads[name], pr.lossScale, rand, options));
  }
  return worst;
}

/**
 * Negative controls on the same problem: dx and each named parameter's gradient, once scaled by 1.1 as
 * a whole and once with only its largest entry 10% off, must each fail the comparison.
 */
export function expectLayerNegativeControls(
  label: string, pr: LayerProblem, names: readonly string[], rand: () => number, options?: GradcheckOptions,
): void {
  expectGradcheckFails(`${label} dx ×1.1`, (x) => pr.loss(x), pr.x, scaled(pr.dx), pr.lossScale, rand, options);
  expectGradcheckFails(`${label} dx max entry ×1.1`, (x) => pr.loss(x), pr.x, perturbMaxEntry(pr.dx), pr.lossScale, rand, options);
  for (const name of names) {
    expectGradcheckFails(`${label} d[${name}] ×1.1`, (p) => pr.loss(pr.x, name, p), pr.params[name],
      scaled(pr.grads[name]), pr.lossScale, rand, options);
    expectGradcheckFails(`${label} d[${name}] max entry ×1.1`, (p) => pr.loss(pr.x, name, p), pr.params[name],
      perturbMaxEntry(pr.grads[name]), pr.lossScale, rand, options);
  }
}
