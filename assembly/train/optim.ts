// Optimiser updates over one tensor of n contiguous f32 values, in place, one SIMD pass each.
//
// Every step mirrors PyTorch 1.13's single-tensor (foreach=False) CPU code, operation by operation,
// so the float32 roundings happen in the same order. Scalars (lr, 1 − dampening, bias corrections …)
// are computed by the caller in float64 as Python does and arrive here rounded to f32, as ATen casts
// a Python scalar to the tensor's dtype. PyTorch's vectorised `a.add(b, alpha)` is one fused
// multiply-add; the relaxed build fuses it too (madd), the others round twice (≤ 1 ulp apart).

import { madd } from "../simd/madd";

/**
 * SGD (torch.optim.SGD, _single_tensor_sgd) on param p with gradient g (not modified):
 *   d = g + weightDecay·p                    (when weightDecay ≠ 0)
 *   buf = d                                  (first step: firstStep = 1)
 *   buf = momentum·buf + (1 − dampening)·d   (later steps; oneMinusDampening is that f32 scalar)
 *   d = nesterov ? d + momentum·buf : buf    (when momentum ≠ 0; buf = 0 means no momentum)
 *   p = p − lr·d                             (negLr = −lr)
 */
export function sgdStep(n: i32, p: usize, g: usize, buf: usize, negLr: f32, momentum: f32,
  oneMinusDampening: f32, weightDecay: f32, nesterov: i32, firstStep: i32): void {
  const decay = weightDecay != 0;
  const hasBuf = buf != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vWd = f32x4.splat(weightDecay);
    const vMom = f32x4.splat(momentum);
    const vDamp = f32x4.splat(oneMinusDampening);
    const vLr = f32x4.splat(negLr);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o);
      let d = v128.load(g + o);
      if (decay) d = madd(pv, vWd, d);
      if (hasBuf) {
        let b: v128;
        if (firstStep) b = d;
        else b = madd(d, vDamp, f32x4.mul(v128.load(buf + o), vMom));
        v128.store(buf + o, b);
        d = nesterov ? madd(b, vMom, d) : b;
      }
      v128.store(p + o, madd(d, vLr, pv));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (decay) d = d + weightDecay * pv;
    if (hasBuf) {
      let b: f32;
      if (firstStep) b = d;
      else b = load<f32>(buf + o) * momentum + oneMinusDampening * d;
      store<f32>(buf + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(p + o, pv + negLr * d);
  }
}

/**
 * AdamW (torch.optim.AdamW, _single_tensor_adamw, capturable = False) on param p with gradient g:
 *   p = p · decayFactor                      (decayFactor = 1 − lr·weightDecay)
 *   m = m·beta1 + (1 − beta1)·g
 *   v = v·beta2 + (1 − beta2)·g·g
 *   vmax = max(vmax, v)                      (amsgrad: vmax ≠ 0; the denominator then uses vmax)
 *   p = p + negStepSize · m / (sqrt(v) / bc2Sqrt + eps)
 * negStepSize = −lr / (1 − beta1^t) and bc2Sqrt = sqrt(1 − beta2^t), computed by the caller.
 */
export function adamwStep(n: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  decayFactor: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  negStepSize: f32, bc2Sqrt: f32, eps: f32): void {
  const ams = vmax != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vDecay = f32x4.splat(decayFactor);
    const vB1 = f32x4.splat(beta1);
    const vOmB1 = f32x4.splat(oneMinusBeta1);
    const vB2 = f32x4.splat(beta2);
    const vOmB2 = f32x4.splat(oneMinusBeta2);
    const vStep = f32x4.splat(negStepSize);
    const vBc2 = f32x4.splat(bc2Sqrt);
    const vEps = f32x4.splat(eps);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gv = v128.load(g + o);
      const pv = f32x4.mul(v128.load(p + o), vDecay);
      const mv = madd(gv, vOmB1, f32x4.mul(v128.load(m + o), vB1));
      // addcmul: self + (value·t1)·t2
      const vv = f32x4.add(f32x4.mul(v128.load(v + o), vB2), f32x4.mul(f32x4.mul(gv, vOmB2), gv));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      let second = vv;
      if (ams) {
        second = f32x4.max(v128.load(vmax + o), vv);
        v128.store(vmax + o, second);
      }
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), vBc2), vEps);
      // addcdiv: self + value·(t1 / t2)
      v128.store(p + o, f32x4.add(pv, f32x4.mul(vStep, f32x4.div(mv, denom))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const pv = load<f32>(p + o) * decayFactor;
    const mv = load<f32>(m + o) * beta1 + oneMinusBeta1 * gv;
    const vv = load<f32>(v + o) * beta2 + (oneMinusBeta2 * gv) * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    let second = vv;
    if (ams) {
      second = max<f32>(load<f32>(vmax + o), vv);
      store<f32>(vmax + o, second);
    }
    const denom = sqrt<f32>(second) / bc2Sqrt + eps;
    store<f32>(p + o, pv + negStepSize * (mv / denom));
  }
}

/**
 * Σ x[i]² in float64 (four f64x2 pairs of partial sums, then the tail): the squared L2 norm for
 * global-norm gradient clipping. Any NaN/±inf element makes the result non-finite, so the same call
 * doubles as the finite-gradient check.
 */
export function sumSquares(n: i32, x: usize): f64 {
  let i = 0;
  let total: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const a = f64x2.promote_low_f32x4(v);
      const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      lo = f64x2.add(lo, f64x2.mul(a, a));
      hi = f64x2.add(hi, f64x2.mul(b, b));
    }
    const s = f64x2.add(lo, hi);
    total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** x[i] = x[i] · s in place (gradient clipping's g.mul_(clip_coef)). */
export function scaleInPlace(n: i32, x: usize, s: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}
