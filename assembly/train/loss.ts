// Losses fused with their gradient: one call gives the summed loss (f64) and dL/dinput.
//
// Cross-entropy follows torch.nn.functional.cross_entropy: log-softmax per row, then with label
// smoothing ε the target becomes t' = (1 − ε)·t + ε/C (t one-hot for class labels, given rows for
// soft targets), loss_row = −Σ_c t'_c·logp_c and d loss_row / d x_c = softmax_c·Σ t' − t'_c.
// Rows are short (C classes), so this is a scalar loop; the exp and log sums run in f64 so the
// result is closer to the exact value than PyTorch's own float32 arithmetic. Math.exp/Math.log are not
// used: at shrinkLevel 0 they read lookup tables emitted as data segments, which the threads build
// must not have (see nn/exp.ts); the two helpers below are table-free and accurate to ~1e-15.

// @ts-ignore: decorator
@inline const LN2: f64 = 0.6931471805599453;

/** e^x for x ≤ 0 (arguments are x − max): k = round(x / ln 2), e^r by its Taylor series to r¹³/13!. */
function expNonPositive(x: f64): f64 {
  if (x != x) return x;
  if (x < -745) return 0;
  const k = Math.round(x * 1.4426950408889634);
  const r = x - k * LN2;
  let p: f64 = 1;
  for (let j = 13; j >= 1; j--) p = 1 + p * r / <f64>j;
  return p * reinterpret<f64>(<u64>(<i64>k + 1023) << 52);
}

/** ln x for x ≥ 1 (a sum of exponentials, one of which is 1): x = m·2^k, m ∈ [√½, √2), atanh series. */
function logAtLeastOne(x: f64): f64 {
  if (!(x < Infinity)) return x; // NaN, +inf
  const bits = reinterpret<u64>(x);
  let k = <i64>(bits >> 52) - 1023;
  let m = reinterpret<f64>((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000);
  if (m > 1.4142135623730951) { m *= 0.5; k++; }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let series: f64 = 0;
  for (let j = 25; j >= 1; j -= 2) series = series * s2 + 1.0 / <f64>j;
  return <f64>k * LN2 + 2 * s * series;
}

/**
 * logits (N, C); exactly one of labels (N i32, each in [0, C) — checked by the caller) or soft
 * (N, C f32 targets) is non-zero. grad (N, C) = gradScale · dΣloss/dlogits (gradScale = 1/N for the
 * mean). Returns Σ over rows of loss_row. NaN/inf logits give a non-finite result.
 */
export function crossEntropyForwardBackward(n: i32, c: i32, logits: usize, labels: usize, soft: usize,
  smoothing: f64, gradScale: f64, grad: usize): f64 {
  const uniform = smoothing / <f64>c;
  const keep = 1.0 - smoothing;
  let total: f64 = 0;
  for (let row = 0; row < n; row++) {
    const x = logits + (<usize>row * <usize>c << 2);
    const gRow = grad + (<usize>row * <usize>c << 2);
    const t = soft + (<usize>row * <usize>c << 2);
    let maxv = load<f32>(x);
    for (let k = 1; k < c; k++) maxv = max<f32>(maxv, load<f32>(x + (<usize>k << 2)));
    let sumExp: f64 = 0;
    for (let k = 0; k < c; k++) sumExp += expNonPositive(<f64>load<f32>(x + (<usize>k << 2)) - <f64>maxv);
    const logSum = logAtLeastOne(sumExp) + <f64>maxv;
    const label = labels != 0 ? load<i32>(labels + (<usize>row << 2)) : -1;
    // Σ_c t'_c (1 for class labels; whatever the soft row sums to, smoothed)
    let targetSum: f64 = 0;
    if (labels != 0) {
      targetSum = 1.0;
    } else {
      for (let k = 0; k < c; k++) targetSum += keep * <f64>load<f32>(t + (<usize>k << 2)) + uniform;
    }
    let rowLoss: f64 = 0;
    for (let k = 0; k < c; k++) {
      const o = <usize>k << 2;
      const logp = <f64>load<f32>(x + o) - logSum;
      const target = labels != 0 ? (k == label ? keep : 0.0) + uniform : keep * <f64>load<f32>(t + o) + uniform;
      rowLoss -= target * logp;
      store<f32>(gRow + o, <f32>((expNonPositive(logp) * targetSum - target) * gradScale));
    }
    total += rowLoss;
  }
  return total;
}

/**
 * Mean-squared-error pieces: returns Σ (y − t)² in f64 and writes grad = (y − t)·gradScale
 * (gradScale = 2/numel for the mean, 2 for the sum, as ATen's mse_loss_backward: (y − t)·(norm·g)).
 */
export function mseForwardBackward(n: i32, y: usize, t: usize, gradScale: f32, grad: usize): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(gradScale);
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(v128.load(y + o), v128.load(t + o));
      v128.store(grad + o, f32x4.mul(d, vs));
      const a = f64x2.promote_low_f32x4(d);
      const b = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 0, 1));
      lo = f64x2.add(lo, f64x2.mul(a, a));
      hi = f64x2.add(hi, f64x2.mul(b, b));
    }
    const s = f64x2.add(lo, hi);
    total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(t + o);
    store<f32>(grad + o, d * gradScale);
    total += <f64>d * <f64>d;
  }
  return total;
}
