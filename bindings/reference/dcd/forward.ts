/**
 * DCD forward, reference (spec §3), on Float32Arrays keyed by state_dict name:
 *   g = pool(x); a = fc.0(g); s = a ⊙ Hsig(fc.1.fc.0(a)); Φ = fc_phi(s) as B blocks (L/B × L/B);
 *   λ = Hsig(fc_scale(s)); r = λ ⊙ conv(x, W0); z1 = bn1(q(x)); m = Φ·z1 per pixel;
 *   z2 = bn2(m) + z1; y = p(z2) + r.
 * Returns y and a trace of every intermediate backward needs.
 */
import { DCD_NAMES, type DcdDims } from '../../ops/dcd';
import { conv2dForward } from '../conv2d';
import { linearForward } from '../linear';
import { dcdGeometry, type DcdGeometry } from './geometry';
import { BN_MOMENTUM, adaptivePool, batchNormForward, hsig, type BatchNormTrace } from './primitives';

export type NamedArrays = Readonly<Record<string, Float32Array>>;

export interface DcdTrace {
  geo: DcdGeometry;
  x: Float32Array;
  g: Float32Array; a: Float32Array; e: Float32Array; s: Float32Array;
  /** Pre-activation of λ and λ itself (null when the variant has no λ). */
  u: Float32Array | null; lambda: Float32Array | null;
  /** conv(x, W0) (+ cls bias), before the λ scale. */
  c: Float32Array;
  /** Residual path (null for 'lambda-only'). */
  phi: Float32Array | null; z1: Float32Array | null; z2: Float32Array | null;
  bn1: BatchNormTrace | null; bn2: BatchNormTrace | null;
}

/** m[n, b·lb + i, p] (+)= Σ_j Φ[n, b, i, j] · z[n, b·lb + j, p]  — Φ multiplies from the left, per pixel. */
export function applyPhi(phi: Float32Array, z: Float32Array, n: number, blocks: number, lb: number, pixels: number, m: Float32Array): void {
  const L = blocks * lb;
  for (let img = 0; img < n; img++) {
    for (let b = 0; b < blocks; b++) {
      const phiBase = (img * blocks + b) * lb * lb;
      for (let i = 0; i < lb; i++) {
        const out = (img * L + b * lb + i) * pixels;
        for (let j = 0; j < lb; j++) {
          const coef = phi[phiBase + i * lb + j];
          const src = (img * L + b * lb + j) * pixels;
          for (let p = 0; p < pixels; p++) m[out + p] += coef * z[src + p];
        }
      }
    }
  }
}

/** Forward; in training mode the running statistics in `state` are updated in place. */
export function dcdForwardArrays(d: DcdDims, state: NamedArrays, x: Float32Array, xShape: readonly number[], training: boolean, y: Float32Array,
  momentum = BN_MOMENTUM): DcdTrace {
  const geo = dcdGeometry(d, xShape);
  const { n, pixels, pooled } = geo;
  const S = d.squeeze, L = d.latent;

  const g = new Float32Array(n * pooled);
  adaptivePool(x, n, d.cin, geo.h, geo.w, d.pool, g);
  const a = new Float32Array(n * S);
  linearForward(n, pooled, S, g, state[DCD_NAMES.fc0], null, a);
  const e = new Float32Array(n * S);
  linearForward(n, S, S, a, state[DCD_NAMES.se], null, e);
  const s = a.map((v, i) => v * hsig(e[i]));

  const c = new Float32Array(n * d.cout * pixels);
  conv2dForward(geo.staticConv, x, state[geo.names.static], geo.names.staticBias ? state[geo.names.staticBias] : null, c);
  let u: Float32Array | null = null, lambda: Float32Array | null = null;
  if (d.hasLambda) {
    u = new Float32Array(n * d.cout);
    linearForward(n, S, d.cout, s, state[DCD_NAMES.scale], null, u);
    lambda = u.map(hsig);
    for (let i = 0; i < n * d.cout; i++) for (let p = 0; p < pixels; p++) y[i * pixels + p] = lambda[i] * c[i * pixels + p];
  } else {
    y.set(c);
  }
  const trace: DcdTrace = { geo, x, g, a, e, s, u, lambda, c, phi: null, z1: null, z2: null, bn1: null, bn2: null };
  if (!d.hasResidual) return trace;

  const lb = geo.blockLatent;
  const phi = new Float32Array(n * d.blocks * lb * lb);
  linearForward(n, S, d.blocks * lb * lb, s, state[DCD_NAMES.phi], null, phi);
  const qOut = new Float32Array(n * L * pixels);
  conv2dForward(geo.qConv, x, state[geo.names.q], null, qOut);
  const z1 = new Float32Array(qOut.length);
  const bn = (which: 1 | 2, field: 'weight' | 'bias' | 'running_mean' | 'running_var') => state[DCD_NAMES.bn(which, field)];
  const bn1 = batchNormForward(qOut, n, L, pixels, bn(1, 'weight'), bn(1, 'bias'), bn(1, 'running_mean'), bn(1, 'running_var'), training, z1, momentum);
  const m = new Float32Array(z1.length);
  applyPhi(phi, z1, n, d.blocks, lb, pixels, m);
  const z2 = new Float32Array(z1.length);
  const bn2 = batchNormForward(m, n, L, pixels, bn(2, 'weight'), bn(2, 'bias'), bn(2, 'running_mean'), bn(2, 'running_var'), training, z2, momentum);
  for (let i = 0; i < z2.length; i++) z2[i] += z1[i];
  const pOut = new Float32Array(y.length);
  conv2dForward(geo.pConv, z2, state[geo.names.p], null, pOut);
  for (let i = 0; i < y.length; i++) y[i] += pOut[i];
  return { ...trace, phi, z1, z2, bn1, bn2 };
}
