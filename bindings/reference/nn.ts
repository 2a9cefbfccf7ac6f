/**
 * The network-pieces reference kernels on Float32Arrays (the readable oracle of assembly/nn/):
 * activations, BatchNorm, pooling, softmax / log-softmax, dropout, axpby. Loops follow PyTorch's CPU
 * kernels (aten/src/ATen/native) so that ties, NaN and window clipping behave the same; statistics
 * are accumulated in float64 as PyTorch's CPU BatchNorm does.
 */
import type { Activation } from '../ops/nn';
import { unit } from '../ops/nn_hash';
import type { BatchNormBackwardPlan, BatchNormPlan, Pool2dPlan } from '../ops/nn_checks';

const f32 = Math.fround;

export function activationForward(kind: Activation, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    switch (kind) {
      case 'relu': y[i] = Math.max(v, 0); break;
      case 'relu6': y[i] = Math.min(Math.max(v, 0), 6); break;
      case 'hardsigmoid': y[i] = Math.min(Math.max(f32(v + 3), 0), 6) / 6; break;
      case 'hsig3': y[i] = Math.min(Math.max(f32(v + 3), 0), 6) / 3; break;
      case 'sigmoid': y[i] = 1 / (1 + Math.exp(-v)); break;
    }
  }
}

/** dx = f'(x)·dy; for 'sigmoid' `x` is the forward output y (f' = y(1 − y)). Masks are PyTorch's (open intervals). */
export function activationBackward(kind: Activation, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const g = dy[i];
    switch (kind) {
      case 'relu': dx[i] = v > 0 ? g : 0; break;
      case 'relu6': dx[i] = v > 0 && v < 6 ? g : 0; break;
      case 'hardsigmoid': dx[i] = v > -3 && v < 3 ? g / 6 : 0; break;
      case 'hsig3': { const u = f32(v + 3); dx[i] = u > 0 && u < 6 ? g / 3 : 0; break; }
      case 'sigmoid': dx[i] = f32(g * f32(1 - v)) * v; break;
    }
  }
}

export function add(a: Float32Array, b: Float32Array, relu: boolean, y: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const s = f32(a[i] + b[i]);
    y[i] = relu ? Math.max(s, 0) : s;
  }
}

/** y = a·x + b·y in float32 (b = 0: y = a·x, y's old values are not read, as BLAS). */
export function axpby(a: number, x: Float32Array, b: number, y: Float32Array): void {
  const fa = f32(a), fb = f32(b);
  for (let i = 0; i < x.length; i++) y[i] = fb === 0 ? fa * x[i] : f32(fa * x[i]) + f32(fb * y[i]);
}

// ---- BatchNorm over (N, C, S) ----

const row = (n: number, c: number, C: number, S: number): number => (n * C + c) * S;

export function batchNormForward(p: BatchNormPlan, x: Float32Array, arrays: {
  weight: Float32Array | null; bias: Float32Array | null; runningMean: Float32Array | null; runningVar: Float32Array | null;
  residual: Float32Array | null; y: Float32Array; saveMean: Float32Array | null; saveInvStd: Float32Array | null;
}): void {
  const { n: N, c: C, s: S } = p;
  const { weight, bias, runningMean, runningVar, residual, y } = arrays;
  const M = N * S;
  for (let c = 0; c < C; c++) {
    let mean: number, invStd: number;
    if (p.training) {
      let sum = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) sum += x[row(n, c, C, S) + i];
      mean = sum / M;
      let sq = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) sq += (x[row(n, c, C, S) + i] - mean) ** 2;
      invStd = 1 / Math.sqrt(sq / M + f32(p.eps));
      const m = f32(p.momentum);
      if (runningMean) runningMean[c] = m * mean + (1 - m) * runningMean[c];
      if (runningVar) runningVar[c] = m * (sq / (M - 1)) + (1 - m) * runningVar[c];
      if (arrays.saveMean) arrays.saveMean[c] = mean;
      if (arrays.saveInvStd) arrays.saveInvStd[c] = invStd;
    } else {
      mean = runningMean![c];
      invStd = 1 / Math.sqrt(runningVar![c] + f32(p.eps));
    }
    // y = x·α + β with α = γ·invstd, β = bias − mean·α (PyTorch's rounding order)
    const alpha = f32((weight ? weight[c] : 1) * f32(invStd));
    const beta = f32((bias ? bias[c] : 0) - f32(f32(mean) * alpha));
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < S; i++) {
        const at = row(n, c, C, S) + i;
        let v = f32(f32(x[at] * alpha) + beta);
        if (residual) v = f32(v + residual[at]);
        y[at] = p.relu ? Math.max(v, 0) : v;
      }
    }
  }
}

export function batchNormBackward(p: BatchNormBackwardPlan, x: Float32Array, dy: Float32Array, arrays: {
  weight: Float32Array | null; runningMean: Float32Array | null; runningVar: Float32Array | null;
  mean: Float32Array | null; invStd: Float32Array | null;
  dx: Float32Array | null; dweight: Float32Array | null; dbias: Float32Array | null;
}): void {
  const { n: N, c: C, s: S } = p;
  const { weight, dx, dweight, dbias } = arrays;
  const M = N * S;
  for (let c = 0; c < C; c++) {
    const mean = p.training ? arrays.mean![c] : arrays.runningMean![c];
    const invStd = p.training ? arrays.invStd![c] : 1 / Math.sqrt(arrays.runningVar![c] + f32(p.eps));
    let sum = 0, dot = 0;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < S; i++) {
        const at = row(n, c, C, S) + i;
        sum += dy[at];
        dot += (x[at] - mean) * dy[at];
      }
    }
    if (dweight) dweight[c] = dot * invStd;
    if (dbias) dbias[c] = sum;
    if (!dx) continue;
    const scale = invStd * (weight ? weight[c] : 1);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < S; i++) {
        const at = row(n, c, C, S) + i;
        // training: through the batch statistics, dx = (dy − Σdy/M − (x − mean)·invstd²·Σ(x − mean)dy/M)·invstd·γ
        dx[at] = p.training ? (dy[at] - sum / M - (x[at] - mean) * invStd * invStd * dot / M) * scale : dy[at] * scale;
      }
    }
  }
}

// ---- pooling over (N, C, H, W) ----

/** PyTorch's max_pool2d: ties keep the first position, NaN replaces the running max (the last NaN wins). */
export function maxPool2dForward(p: Pool2dPlan, x: Float32Array, y: Float32Array | null, argmax: Int32Array | null): void {
  const { h: H, w: W, oh: OH, ow: OW } = p;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const xBase = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * p.sh - p.ph;
      const h1 = Math.min(h0 + (p.kh - 1) * p.dh + 1, H);
      while (h0 < 0) h0 += p.dh;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * p.sw - p.pw;
        const w1 = Math.min(w0 + (p.kw - 1) * p.dw + 1, W);
        while (w0 < 0) w0 += p.dw;
        let best = -Infinity;
        let at = h0 * W + w0;
        for (let ih = h0; ih < h1; ih += p.dh) {
          for (let iw = w0; iw < w1; iw += p.dw) {
            const v = x[xBase + ih * W + iw];
            if (v > best || Number.isNaN(v)) { best = v; at = ih * W + iw; }
          }
        }
        const o = (plane * OH + oh) * OW + ow;
        if (y) y[o] = best;
        if (argmax) argmax[o] = at;
      }
    }
  }
}

export function maxPool2dBackward(p: Pool2dPlan, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const argmax = new Int32Array(dy.length);
  maxPool2dForward(p, x, null, argmax);
  dx.fill(0);
  const outPlane = p.oh * p.ow;
  for (let o = 0; o < dy.length; o++) {
    const plane = Math.floor(o / outPlane);
    dx[plane * p.h * p.w + argmax[o]] += dy[o];
  }
}

/** Visits every avg-pool window: (output index, clipped [h0, h1) × [w0, w1), PyTorch's divisor). */
function avgWindows(p: Pool2dPlan, visit: (o: number, xBase: number, h0: number, h1: number, w0: number, w1: number, divisor: number) => void): void {
  const { h: H, w: W } = p;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    for (let oh = 0; oh < p.oh; oh++) {
      for (let ow = 0; ow < p.ow; ow++) {
        let h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
        let h1 = Math.min(h0 + p.kh, H + p.ph), w1 = Math.min(w0 + p.kw, W + p.pw);
        const padded = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0); w0 = Math.max(w0, 0);
        h1 = Math.min(h1, H); w1 = Math.min(w1, W);
        const divisor = p.countIncludePad ? padded : (h1 - h0) * (w1 - w0);
        visit((plane * p.oh + oh) * p.ow + ow, plane * H * W, h0, h1, w0, w1, divisor);
      }
    }
  }
}

export function avgPool2dForward(p: Pool2dPlan, x: Float32Array, y: Float32Array): void {
  avgWindows(p, (o, base, h0, h1, w0, w1, divisor) => {
    let sum = 0;
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += x[base + ih * p.w + iw];
    y[o] = h0 < h1 && w0 < w1 ? sum / divisor : 0;
  });
}

export function avgPool2dBackward(p: Pool2dPlan, dy: Float32Array, dx: Float32Array): void {
  dx.fill(0);
  avgWindows(p, (o, base, h0, h1, w0, w1, divisor) => {
    const g = dy[o] / divisor;
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[base + ih * p.w + iw] += g;
  });
}

/** PyTorch AdaptiveAvgPool2d's bin [start, end) of output i over `size` (bins overlap when out ∤ size). */
const bin = (i: number, out: number, size: number): [number, number] =>
  [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];

export function adaptiveAvgPool2dForward(shape: readonly number[], oh: number, ow: number, x: Float32Array, y: Float32Array): void {
  const [N, C, H, W] = shape;
  for (let plane = 0; plane < N * C; plane++) {
    for (let i = 0; i < oh; i++) {
      const [h0, h1] = bin(i, oh, H);
      for (let j = 0; j < ow; j++) {
        const [w0, w1] = bin(j, ow, W);
        let sum = 0;
        for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) sum += x[plane * H * W + r * W + q];
        y[(plane * oh + i) * ow + j] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(shape: readonly number[], oh: number, ow: number, dy: Float32Array, dx: Float32Array): void {
  const [N, C, H, W] = shape;
  dx.fill(0);
  for (let plane = 0; plane < N * C; plane++) {
    for (let i = 0; i < oh; i++) {
      const [h0, h1] = bin(i, oh, H);
      for (let j = 0; j < ow; j++) {
        const [w0, w1] = bin(j, ow, W);
        const g = dy[(plane * oh + i) * ow + j] / ((h1 - h0) * (w1 - w0));
        for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) dx[plane * H * W + r * W + q] += g;
      }
    }
  }
}

// ---- rows of (N, K) ----

export function softmaxForward(n: number, k: number, temperature: number, x: Float32Array, y: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, x[base + j] / temperature);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += (y[base + j] = Math.exp(x[base + j] / temperature - top));
    for (let j = 0; j < k; j++) y[base + j] /= sum;
  }
}

/** dx = (y ⊙ (dy − ⟨dy, y⟩)) / τ per row, from the forward output y. */
export function softmaxBackward(n: number, k: number, temperature: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let inner = 0;
    for (let j = 0; j < k; j++) inner += dy[base + j] * y[base + j];
    for (let j = 0; j < k; j++) dx[base + j] = (y[base + j] * (dy[base + j] - inner)) / temperature;
  }
}

export function logSoftmaxForward(n: number, k: number, x: Float32Array, y: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let top = -Infinity;
    for (let j = 0; j < k; j++) top = Math.max(top, x[base + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(x[base + j] - top);
    const shift = top + Math.log(sum);
    for (let j = 0; j < k; j++) y[base + j] = x[base + j] - shift;
  }
}

/** dx = dy − exp(y)·Σdy per row, from the forward output y. */
export function logSoftmaxBackward(n: number, k: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const base = r * k;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += dy[base + j];
    for (let j = 0; j < k; j++) dx[base + j] = dy[base + j] - Math.exp(y[base + j]) * sum;
  }
}

/** y = x·scale where unit(seed, i) ≥ p, else x·0 (as PyTorch's x·noise; NaN stays NaN). */
export function dropout(p: number, scale: number, seed: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] * (unit(seed, i) >= p ? scale : 0);
}
