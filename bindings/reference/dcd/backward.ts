/**
 * DCD backward, reference: the chain rule through the forward of forward.ts, in reverse order.
 * Returns dx and the gradient of every parameter by state_dict name (BatchNorm buffers get none).
 */
import { DCD_NAMES, type DcdDims } from '../../ops/dcd';
import { conv2dBackwardData, conv2dBackwardWeight } from '../conv2d';
import { linearBackward } from '../linear';
import { applyPhi, type DcdTrace, type NamedArrays } from './forward';
import { adaptivePoolBackwardAdd, batchNormBackward, hsig, hsigGrad } from './primitives';

export interface DcdArrayGrads {
  dx: Float32Array;
  params: Record<string, Float32Array>;
}

/** Φ's blocks transposed: Φᵀ per block, so applyPhi(Φᵀ, ·) is the backward of applyPhi(Φ, ·). */
function transposeBlocks(phi: Float32Array, count: number, lb: number): Float32Array {
  const out = new Float32Array(phi.length);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < lb; i++) for (let j = 0; j < lb; j++) out[b * lb * lb + j * lb + i] = phi[b * lb * lb + i * lb + j];
  }
  return out;
}

export function dcdBackwardArrays(d: DcdDims, state: NamedArrays, t: DcdTrace, dy: Float32Array): DcdArrayGrads {
  const { geo } = t;
  const { n, pixels, pooled } = geo;
  const S = d.squeeze, L = d.latent, lb = geo.blockLatent;
  const params: Record<string, Float32Array> = {};
  const dx = new Float32Array(t.x.length);
  const ds = new Float32Array(n * S);
  const addInto = (acc: Float32Array, part: Float32Array) => { for (let i = 0; i < acc.length; i++) acc[i] += part[i]; };

  // Static path: y ∋ λ ⊙ c.
  let dc = dy;
  if (t.lambda && t.u) {
    dc = new Float32Array(dy.length);
    const du = new Float32Array(n * d.cout);
    for (let i = 0; i < n * d.cout; i++) {
      let dl = 0;
      for (let p = 0; p < pixels; p++) {
        dc[i * pixels + p] = dy[i * pixels + p] * t.lambda[i];
        dl += dy[i * pixels + p] * t.c[i * pixels + p];
      }
      du[i] = dl * hsigGrad(t.u[i]);
    }
    const dsPart = new Float32Array(n * S);
    params[DCD_NAMES.scale] = new Float32Array(d.cout * S);
    linearBackward(n, S, d.cout, t.s, state[DCD_NAMES.scale], du, dsPart, params[DCD_NAMES.scale], null);
    addInto(ds, dsPart);
  }
  params[geo.names.static] = new Float32Array(state[geo.names.static].length);
  if (geo.names.staticBias) params[geo.names.staticBias] = new Float32Array(d.cout);
  conv2dBackwardWeight(geo.staticConv, t.x, dc, params[geo.names.static], geo.names.staticBias ? params[geo.names.staticBias] : null);
  conv2dBackwardData(geo.staticConv, dc, state[geo.names.static], dx);

  // Residual path: y ∋ p(z2), z2 = bn2(Φ·z1) + z1, z1 = bn1(q(x)).
  if (d.hasResidual && t.phi && t.z1 && t.z2 && t.bn1 && t.bn2) {
    const bn = (which: 1 | 2, field: 'weight' | 'bias') => DCD_NAMES.bn(which, field);
    const dz2 = new Float32Array(t.z2.length);
    conv2dBackwardData(geo.pConv, dy, state[geo.names.p], dz2);
    params[geo.names.p] = new Float32Array(state[geo.names.p].length);
    conv2dBackwardWeight(geo.pConv, t.z2, dy, params[geo.names.p], null);

    const dm = new Float32Array(dz2.length);
    params[bn(2, 'weight')] = new Float32Array(L);
    params[bn(2, 'bias')] = new Float32Array(L);
    batchNormBackward(dz2, t.bn2, n, L, pixels, state[bn(2, 'weight')], dm, params[bn(2, 'weight')], params[bn(2, 'bias')]);

    // dz1 = dz2 (identity) + Φᵀ·dm; dΦ[n,b,i,j] = Σ_p dm[n,b·lb+i,p]·z1[n,b·lb+j,p].
    const dz1 = dz2.slice();
    applyPhi(transposeBlocks(t.phi, n * d.blocks, lb), dm, n, d.blocks, lb, pixels, dz1);
    const dphi = new Float32Array(t.phi.length);
    for (let img = 0; img < n; img++) {
      for (let b = 0; b < d.blocks; b++) {
        for (let i = 0; i < lb; i++) {
          const row = (img * L + b * lb + i) * pixels;
          for (let j = 0; j < lb; j++) {
            const col = (img * L + b * lb + j) * pixels;
            let sum = 0;
            for (let p = 0; p < pixels; p++) sum += dm[row + p] * t.z1[col + p];
            dphi[(img * d.blocks + b) * lb * lb + i * lb + j] = sum;
          }
        }
      }
    }
    const dsPart = new Float32Array(n * S);
    params[DCD_NAMES.phi] = new Float32Array(state[DCD_NAMES.phi].length);
    linearBackward(n, S, d.blocks * lb * lb, t.s, state[DCD_NAMES.phi], dphi, dsPart, params[DCD_NAMES.phi], null);
    addInto(ds, dsPart);

    const dq = new Float32Array(dz1.length);
    params[bn(1, 'weight')] = new Float32Array(L);
    params[bn(1, 'bias')] = new Float32Array(L);
    batchNormBackward(dz1, t.bn1, n, L, pixels, state[bn(1, 'weight')], dq, params[bn(1, 'weight')], params[bn(1, 'bias')]);
    params[geo.names.q] = new Float32Array(state[geo.names.q].length);
    conv2dBackwardWeight(geo.qConv, t.x, dq, params[geo.names.q], null);
    const dxPart = new Float32Array(dx.length);
    conv2dBackwardData(geo.qConv, dq, state[geo.names.q], dxPart);
    addInto(dx, dxPart);
  }

  // Dynamic branch: s = a ⊙ Hsig(e), e = a·seᵀ, a = g·fc0ᵀ, g = pool(x).
  const h = t.e.map(hsig);
  const de = new Float32Array(n * S);
  const da = new Float32Array(n * S);
  for (let i = 0; i < n * S; i++) {
    da[i] = ds[i] * h[i];
    de[i] = ds[i] * t.a[i] * hsigGrad(t.e[i]);
  }
  const daPart = new Float32Array(n * S);
  params[DCD_NAMES.se] = new Float32Array(S * S);
  linearBackward(n, S, S, t.a, state[DCD_NAMES.se], de, daPart, params[DCD_NAMES.se], null);
  addInto(da, daPart);
  const dg = new Float32Array(n * pooled);
  params[DCD_NAMES.fc0] = new Float32Array(S * pooled);
  linearBackward(n, pooled, S, t.g, state[DCD_NAMES.fc0], da, dg, params[DCD_NAMES.fc0], null);
  adaptivePoolBackwardAdd(dg, n, d.cin, geo.h, geo.w, d.pool, dx);
  return { dx, params };
}
