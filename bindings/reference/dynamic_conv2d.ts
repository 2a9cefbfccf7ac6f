/**
 * Reference dynamic convolution (DY-Conv / CondConv) on Float32Arrays, the "js" backend of the
 * dynamicConv2d op group and the ground truth the wasm kernels are compared with. Tensors are passed
 * by state_dict name (see ops/dynamic_conv2d.ts); shapes were validated by resolveDynamicConv2d.
 *
 * Strategy (the same as the wasm kernels): aggregate W(x_n) = Σ_k π_nk W_k per sample, then run one
 * ordinary convolution per sample. K convolutions + a weighted sum of outputs would cost K× the
 * convolution FLOPs, while aggregation costs only K·|W| per sample (≪ one convolution).
 */
import type { Conv2dParams } from '../ops/conv2d_params';
import type { DynamicConv2dPlan } from '../ops/dynamic_conv2d';
import { conv2dBackwardData, conv2dBackwardWeight, conv2dForward } from './conv2d';
import { linearBackward, linearForward } from './linear';

export type NamedArrays = Readonly<Record<string, Float32Array>>;

/** What the attention branch computes; backward needs all of it. */
export interface AttentionTrace {
  pooled: Float32Array;   // g (N, Cin): spatial means
  hidden: Float32Array;   // fc1(g) before ReLU (N, hidden); empty for sigmoid
  pi: Float32Array;       // π (N, K)
}

const perSample = (p: Conv2dParams): Conv2dParams => ({ ...p, n: 1 });
const kernelSize = (p: Conv2dParams): number => p.k * (p.c / p.groups) * p.kh * p.kw;

/** dst = Σ_k coef[k] · src[k·len … (k+1)·len). */
export function aggregate(coef: Float32Array, coefOffset: number, k: number, src: Float32Array, len: number, dst: Float32Array): void {
  dst.fill(0);
  for (let j = 0; j < k; j++) {
    const c = coef[coefOffset + j];
    const base = j * len;
    for (let i = 0; i < len; i++) dst[i] += c * src[base + i];
  }
}

/** g = mean_{h,w} x, then π = softmax(fc2(relu(fc1(g))) / τ) or sigmoid(routing(g)). */
export function dynamicConv2dAttention(plan: DynamicConv2dPlan, x: Float32Array, s: NamedArrays): AttentionTrace {
  const { n, c, h, w } = plan.conv;
  const kk = plan.kernels;
  const plane = h * w;
  const pooled = new Float32Array(n * c);
  for (let q = 0; q < n * c; q++) {
    let sum = 0;
    for (let i = 0; i < plane; i++) sum += x[q * plane + i];
    pooled[q] = sum / plane;
  }
  const pi = new Float32Array(n * kk);
  if (plan.mode === 'sigmoid') {
    linearForward(n, c, kk, pooled, s['routing.weight'], s['routing.bias'], pi);
    for (let i = 0; i < pi.length; i++) pi[i] = 1 / (1 + Math.exp(-pi[i]));
    return { pooled, hidden: new Float32Array(0), pi };
  }
  const hidden = new Float32Array(n * plan.hidden);
  linearForward(n, c, plan.hidden, pooled, s['attention.fc1.weight'], s['attention.fc1.bias'], hidden);
  const relu = hidden.map((v) => Math.max(v, 0));
  linearForward(n, plan.hidden, kk, relu, s['attention.fc2.weight'], s['attention.fc2.bias'], pi);
  for (let b = 0; b < n; b++) softmaxInPlace(pi, b * kk, kk, plan.temperature);
  return { pooled, hidden, pi };
}

function softmaxInPlace(z: Float32Array, offset: number, len: number, temperature: number): void {
  let max = -Infinity;
  for (let i = 0; i < len; i++) max = Math.max(max, z[offset + i] / temperature);
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const e = Math.exp(z[offset + i] / temperature - max);
    z[offset + i] = e;
    sum += e;
  }
  for (let i = 0; i < len; i++) z[offset + i] /= sum;
}

/** y (N, Cout, OH, OW) = per-sample conv with the aggregated kernel and bias. Returns the trace. */
export function dynamicConv2dForward(plan: DynamicConv2dPlan, x: Float32Array, s: NamedArrays, y: Float32Array): AttentionTrace {
  const p = plan.conv;
  const p1 = perSample(p);
  const kk = plan.kernels;
  const trace = dynamicConv2dAttention(plan, x, s);
  const wLen = kernelSize(p);
  const wn = new Float32Array(wLen);
  const bn = plan.hasBias ? new Float32Array(p.k) : null;
  const xLen = p.c * p.h * p.w;
  const yLen = p.k * p.oh * p.ow;
  for (let b = 0; b < p.n; b++) {
    aggregate(trace.pi, b * kk, kk, s.weight, wLen, wn);
    if (bn) aggregate(trace.pi, b * kk, kk, s.bias, p.k, bn);
    conv2dForward(p1, x.subarray(b * xLen, (b + 1) * xLen), wn, bn, y.subarray(b * yLen, (b + 1) * yLen));
  }
  return trace;
}

const dot = (a: Float32Array, aOffset: number, b: Float32Array, len: number): number => {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += a[aOffset + i] * b[i];
  return sum;
};

/**
 * Gradients for upstream dy: 'x' and every state tensor by name (new arrays).
 * Conv path per sample: ∂W(x_n), ∂b(x_n), ∂x_n; then ∂π_nk = ⟨∂W(x_n), W_k⟩ + ⟨∂b(x_n), b_k⟩,
 * ∂W_k += π_nk ∂W(x_n); then back through softmax/sigmoid, the Linears and the mean pool into ∂x.
 */
export function dynamicConv2dBackward(
  plan: DynamicConv2dPlan, x: Float32Array, s: NamedArrays, dy: Float32Array,
): Record<string, Float32Array> {
  const p = plan.conv;
  const p1 = perSample(p);
  const kk = plan.kernels;
  const trace = dynamicConv2dAttention(plan, x, s);
  const wLen = kernelSize(p);
  const xLen = p.c * p.h * p.w;
  const yLen = p.k * p.oh * p.ow;
  const dx = new Float32Array(x.length);
  const dweight = new Float32Array(s.weight.length);
  const dbias = plan.hasBias ? new Float32Array(s.bias.length) : null;
  const dpi = new Float32Array(p.n * kk);
  const wn = new Float32Array(wLen);
  const dwn = new Float32Array(wLen);
  const dbn = plan.hasBias ? new Float32Array(p.k) : null;
  for (let b = 0; b < p.n; b++) {
    const xn = x.subarray(b * xLen, (b + 1) * xLen);
    const dyn = dy.subarray(b * yLen, (b + 1) * yLen);
    aggregate(trace.pi, b * kk, kk, s.weight, wLen, wn);
    conv2dBackwardData(p1, dyn, wn, dx.subarray(b * xLen, (b + 1) * xLen));
    conv2dBackwardWeight(p1, xn, dyn, dwn, dbn);
    for (let j = 0; j < kk; j++) {
      const pj = trace.pi[b * kk + j];
      let g = dot(s.weight, j * wLen, dwn, wLen);
      for (let i = 0; i < wLen; i++) dweight[j * wLen + i] += pj * dwn[i];
      if (dbias && dbn) {
        g += dot(s.bias, j * p.k, dbn, p.k);
        for (let i = 0; i < p.k; i++) dbias[j * p.k + i] += pj * dbn[i];
      }
      dpi[b * kk + j] = g;
    }
  }
  const grads: Record<string, Float32Array> = { x: dx, weight: dweight };
  if (dbias) grads.bias = dbias;
  const dpooled = attentionBackward(plan, s, trace, dpi, grads);
  const plane = p.h * p.w;
  for (let q = 0; q < p.n * p.c; q++) {
    const g = dpooled[q] / plane;
    for (let i = 0; i < plane; i++) dx[q * plane + i] += g;
  }
  return grads;
}

/** ∂π → ∂z → attention parameter gradients (added to `grads`); returns ∂g (N, Cin). */
function attentionBackward(
  plan: DynamicConv2dPlan, s: NamedArrays, trace: AttentionTrace, dpi: Float32Array, grads: Record<string, Float32Array>,
): Float32Array {
  const { n, c } = plan.conv;
  const kk = plan.kernels;
  const { pi, pooled, hidden } = trace;
  const dz = new Float32Array(n * kk);
  const dpooled = new Float32Array(n * c);
  if (plan.mode === 'sigmoid') {
    for (let i = 0; i < dz.length; i++) dz[i] = dpi[i] * pi[i] * (1 - pi[i]);
    grads['routing.weight'] = new Float32Array(kk * c);
    grads['routing.bias'] = new Float32Array(kk);
    linearBackward(n, c, kk, pooled, s['routing.weight'], dz, dpooled, grads['routing.weight'], grads['routing.bias']);
    return dpooled;
  }
  for (let b = 0; b < n; b++) {
    let inner = 0;
    for (let j = 0; j < kk; j++) inner += dpi[b * kk + j] * pi[b * kk + j];
    for (let j = 0; j < kk; j++) {
      const i = b * kk + j;
      dz[i] = (pi[i] * (dpi[i] - inner)) / plan.temperature;
    }
  }
  const hd = plan.hidden;
  const relu = hidden.map((v) => Math.max(v, 0));
  const drelu = new Float32Array(n * hd);
  grads['attention.fc2.weight'] = new Float32Array(kk * hd);
  grads['attention.fc2.bias'] = new Float32Array(kk);
  linearBackward(n, hd, kk, relu, s['attention.fc2.weight'], dz, drelu, grads['attention.fc2.weight'], grads['attention.fc2.bias']);
  for (let i = 0; i < drelu.length; i++) if (hidden[i] <= 0) drelu[i] = 0;
  grads['attention.fc1.weight'] = new Float32Array(hd * c);
  grads['attention.fc1.bias'] = new Float32Array(hd);
  linearBackward(n, c, hd, pooled, s['attention.fc1.weight'], drelu, dpooled, grads['attention.fc1.weight'], grads['attention.fc1.bias']);
  return dpooled;
}
