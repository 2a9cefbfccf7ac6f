// Row-wise log-softmax, forward and backward (f32, byte offsets, no allocation):
//   forward:  y[n, j] = x[n, j] − (max_n + ln Σ_i e^{x[n, i] − max_n})      (stable, as PyTorch)
//   backward: dx[n, j] = dy[n, j] − e^{y[n, j]} · Σ_i dy[n, i]               (from the forward output y)
// The sum and the logarithm run in f64; ln is computed here (AssemblyScript's Math.log reads a table
// emitted as a data segment, which the threads build must not have — see exp.ts).

import { expf } from "./exp";

// @ts-ignore: decorator
@inline const LN2: f64 = 0.6931471805599453;

/** ln x for x ≥ 1 (the sum above is ≥ 1); NaN and +∞ pass through. x = m·2^e, m in [√½, √2). */
function lnAtLeastOne(x: f64): f64 {
  if (!(x < Infinity)) return x;
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  // ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172: the series to s¹⁹ is exact to ~1e-17
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  const series = 1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11 +
    s2 * (1.0 / 13 + s2 * (1.0 / 15 + s2 * (1.0 / 17 + s2 * (1.0 / 19)))))))));
  return <f64>e * LN2 + 2 * s * series;
}

/** y (N, K) = log_softmax(x) per row. y may alias x. */
export function logSoftmaxForward(N: i32, K: i32, x: usize, y: usize): void {
  for (let n = 0; n < N; n++) {
    const xr = x + (<usize>n * <usize>K << 2);
    const yr = y + (<usize>n * <usize>K << 2);
    let top: f32 = -Infinity;
    for (let j = 0; j < K; j++) top = max(top, load<f32>(xr + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < K; j++) sum += <f64>expf(load<f32>(xr + (<usize>j << 2)) - top);
    const shift = <f64>top + lnAtLeastOne(sum);
    for (let j = 0; j < K; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, <f32>(<f64>load<f32>(xr + o) - shift));
    }
  }
}

/** dx (N, K) from the forward output y and upstream dy. dx may alias dy. */
export function logSoftmaxBackward(N: i32, K: i32, y: usize, dy: usize, dx: usize): void {
  for (let n = 0; n < N; n++) {
    const row = <usize>n * <usize>K << 2;
    let sum: f64 = 0;
    for (let j = 0; j < K; j++) sum += <f64>load<f32>(dy + row + (<usize>j << 2));
    const s = <f32>sum;
    for (let j = 0; j < K; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(dx + o, load<f32>(dy + o) - expf(load<f32>(y + o)) * s);
    }
  }
}
