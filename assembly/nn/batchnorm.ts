// BatchNorm over x of shape (N, C, S): S = H·W for BatchNorm2d, S = 1 (or a length) for BatchNorm1d.
//
// Mirrors PyTorch's CPU kernels (aten/src/ATen/native/Normalization.cpp):
//  - statistics are accumulated in f64 (PyTorch uses double as the CPU accumulation type);
//  - train: normalise with the biased batch variance; running_mean/var ← (1−m)·running + m·batch,
//    with the UNBIASED variance (·M/(M−1), M = N·S) for running_var;
//  - the transform is y = x·α + β with α = γ·invstd, β = bias − mean·α (same rounding as PyTorch);
//  - backward (train) goes through the batch statistics:
//      dx = (dy − Σdy/M − (x−mean)·invstd²·Σ(x−mean)dy/M) · invstd · γ.
// Optional pointers (0 = absent): gamma/beta (affine off), runningMean/Var (not tracked), residual
// (y = bn(x) + residual, the DCD identity), dx/dgamma/dbeta (gradient not needed).
// The bindings reject M = N·S ≤ 1 in train mode before calling (PyTorch raises there too).

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** The upper two f32 lanes of v in the lower half (for f64x2.promote_low_f32x4). */
// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 {
  return i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

/**
 * Σ row[0..S) in f64. The SIMD loop keeps two f64x2 partial sums (lanes 0–1 and 2–3 of each f32x4):
 * one chain of dependent adds waited on their latency — the BatchNorm reductions ran at ~0.75 G floats/s
 * (0.8 ns per element; 15 ms of the small CNN's training step, the latent ones 9 ms more in DCD's).
 */
function sumRow(row: usize, S: i32): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = lo;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(at(row, i));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(highHalf(v)));
    }
    const acc = f64x2.add(lo, hi);
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < S; i++) s += <f64>load<f32>(at(row, i));
  return s;
}

/** Σ (row[i] − mean)² in f64 (two-pass variance: no cancellation); f64x2 partial sums as sumRow. */
function sumSqDevRow(row: usize, S: i32, mean: f64): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const m = f64x2.splat(mean);
    let accLo = f64x2.splat(0), accHi = accLo;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(at(row, i));
      const lo = f64x2.sub(f64x2.promote_low_f32x4(v), m);
      const hi = f64x2.sub(f64x2.promote_low_f32x4(highHalf(v)), m);
      accLo = f64x2.add(accLo, f64x2.mul(lo, lo));
      accHi = f64x2.add(accHi, f64x2.mul(hi, hi));
    }
    const acc = f64x2.add(accLo, accHi);
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < S; i++) {
    const d = <f64>load<f32>(at(row, i)) - mean;
    s += d * d;
  }
  return s;
}

// Results of gradSumsRow (globals, not an array: kernels never allocate).
let rowGradSum: f64 = 0;
let rowGradDot: f64 = 0;

/**
 * rowGradSum = Σ g[i] and rowGradDot = Σ (row[i] − mean)·g[i] in f64, in one pass over g (the sum and
 * the dot each read all of dy before); f64x2 partial sums as sumRow.
 */
function gradSumsRow(row: usize, g: usize, S: i32, mean: f64): void {
  let s: f64 = 0, d: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const m = f64x2.splat(mean);
    let sLo = f64x2.splat(0), sHi = sLo, dLo = sLo, dHi = sLo;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(at(row, i));
      const w = v128.load(at(g, i));
      const wLo = f64x2.promote_low_f32x4(w), wHi = f64x2.promote_low_f32x4(highHalf(w));
      sLo = f64x2.add(sLo, wLo);
      sHi = f64x2.add(sHi, wHi);
      dLo = f64x2.add(dLo, f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), m), wLo));
      dHi = f64x2.add(dHi, f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(highHalf(v)), m), wHi));
    }
    const sAcc = f64x2.add(sLo, sHi), dAcc = f64x2.add(dLo, dHi);
    s = f64x2.extract_lane(sAcc, 0) + f64x2.extract_lane(sAcc, 1);
    d = f64x2.extract_lane(dAcc, 0) + f64x2.extract_lane(dAcc, 1);
  }
  for (; i < S; i++) {
    const w = <f64>load<f32>(at(g, i));
    s += w;
    d += (<f64>load<f32>(at(row, i)) - mean) * w;
  }
  rowGradSum = s;
  rowGradDot = d;
}

/** out[i] = row[i]·a + b (+ res[i] when res ≠ 0), then max(·, 0) when relu ≠ 0. */
function affineRow(row: usize, out: usize, res: usize, S: i32, a: f32, b: f32, relu: i32 = 0): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    const vb = f32x4.splat(b);
    const zero = f32x4.splat(0);
    for (; i + 4 <= S; i += 4) {
      let v = f32x4.add(f32x4.mul(v128.load(at(row, i)), va), vb);
      if (res) v = f32x4.add(v, v128.load(at(res, i)));
      if (relu) v = f32x4.max(v, zero);
      v128.store(at(out, i), v);
    }
  }
  for (; i < S; i++) {
    let v = load<f32>(at(row, i)) * a + b;
    if (res) v += load<f32>(at(res, i));
    if (relu) v = max<f32>(v, 0);
    store<f32>(at(out, i), v);
  }
}

// @ts-ignore: decorator
@inline function rowOf(base: usize, n: i32, c: i32, C: i32, S: i32): usize {
  return base + ((<usize>n * C + c) * S << 2);
}

// @ts-ignore: decorator
@inline function optLoad(p: usize, c: i32, absent: f32): f32 {
  return p ? load<f32>(at(p, c)) : absent;
}

/** y = α_c·x + β_c (+ residual) for every (n, c) row, α = γ·invstd, β = bias − mean·α. */
function normalise(N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
                   c: i32, mean: f32, invstd: f32, residual: usize, y: usize, relu: i32 = 0): void {
  const a = optLoad(gamma, c, 1) * invstd;
  const b = optLoad(beta, c, 0) - mean * a;
  for (let n = 0; n < N; n++) {
    affineRow(rowOf(x, n, c, C, S), rowOf(y, n, c, C, S), residual ? rowOf(residual, n, c, C, S) : 0, S, a, b, relu);
  }
}

export function batchNormForwardTrain(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, momentum: f32, eps: f32,
  residual: usize, y: usize, saveMean: usize, saveInvStd: usize,
): void {
  batchNormForwardTrainFused(N, C, S, x, gamma, beta, runningMean, runningVar, momentum, eps, residual, 0, y, saveMean, saveInvStd);
}

/** batchNormForwardTrain with an optional ReLU after the residual (relu ≠ 0), in the same pass. */
export function batchNormForwardTrainFused(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, momentum: f32, eps: f32,
  residual: usize, relu: i32, y: usize, saveMean: usize, saveInvStd: usize,
): void {
  batchNormForwardTrainChannels(N, C, S, x, gamma, beta, runningMean, runningVar, momentum, eps, residual, relu, y, saveMean, saveInvStd, 0, C);
}

/** batchNormForwardTrainFused for channels [c0, c1) (channels are independent: batchnorm_part.ts). */
export function batchNormForwardTrainChannels(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, momentum: f32, eps: f32,
  residual: usize, relu: i32, y: usize, saveMean: usize, saveInvStd: usize, c0: i32, c1: i32,
): void {
  const M = <f64>N * <f64>S;
  for (let c = c0; c < c1; c++) {
    let sum: f64 = 0;
    for (let n = 0; n < N; n++) sum += sumRow(rowOf(x, n, c, C, S), S);
    const mean = sum / M;
    let sq: f64 = 0;
    for (let n = 0; n < N; n++) sq += sumSqDevRow(rowOf(x, n, c, C, S), S, mean);
    const invstd = 1.0 / Math.sqrt(sq / M + <f64>eps);
    if (saveMean) store<f32>(at(saveMean, c), <f32>mean);
    if (saveInvStd) store<f32>(at(saveInvStd, c), <f32>invstd);
    const m = <f64>momentum;
    if (runningMean) {
      store<f32>(at(runningMean, c), <f32>(m * mean + (1 - m) * <f64>load<f32>(at(runningMean, c))));
    }
    if (runningVar) {
      const unbiased = sq / (M - 1);
      store<f32>(at(runningVar, c), <f32>(m * unbiased + (1 - m) * <f64>load<f32>(at(runningVar, c))));
    }
    normalise(N, C, S, x, gamma, beta, c, <f32>mean, <f32>invstd, residual, y, relu);
  }
}

export function batchNormForwardEval(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, eps: f32, residual: usize, y: usize,
): void {
  batchNormForwardEvalFused(N, C, S, x, gamma, beta, runningMean, runningVar, eps, residual, 0, y);
}

/** batchNormForwardEval with an optional ReLU after the residual (relu ≠ 0), in the same pass. */
export function batchNormForwardEvalFused(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, eps: f32, residual: usize, relu: i32, y: usize,
): void {
  for (let c = 0; c < C; c++) {
    const invstd = <f32>(1.0 / Math.sqrt(<f64>load<f32>(at(runningVar, c)) + <f64>eps));
    normalise(N, C, S, x, gamma, beta, c, load<f32>(at(runningMean, c)), invstd, residual, y, relu);
  }
}

// Results of channelGradSums (globals, not an array: kernels never allocate).
let gradSum: f64 = 0;
let gradDot: f64 = 0;

/** gradSum = Σdy, gradDot = Σ(x−mean)·dy over channel c, in f64. */
function channelGradSums(N: i32, C: i32, S: i32, x: usize, dy: usize, c: i32, mean: f64): void {
  let sum: f64 = 0;
  let dot: f64 = 0;
  for (let n = 0; n < N; n++) {
    gradSumsRow(rowOf(x, n, c, C, S), rowOf(dy, n, c, C, S), S, mean);
    sum += rowGradSum;
    dot += rowGradDot;
  }
  gradSum = sum;
  gradDot = dot;
}

export function batchNormBackwardTrain(
  N: i32, C: i32, S: i32, x: usize, dy: usize, gamma: usize,
  saveMean: usize, saveInvStd: usize, dx: usize, dgamma: usize, dbeta: usize,
): void {
  batchNormBackwardTrainChannels(N, C, S, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta, 0, C);
}

/** batchNormBackwardTrain for channels [c0, c1) (batchnorm_part.ts). */
export function batchNormBackwardTrainChannels(
  N: i32, C: i32, S: i32, x: usize, dy: usize, gamma: usize,
  saveMean: usize, saveInvStd: usize, dx: usize, dgamma: usize, dbeta: usize, c0: i32, c1: i32,
): void {
  const M = <f64>N * <f64>S;
  for (let c = c0; c < c1; c++) {
    const mean = load<f32>(at(saveMean, c));
    const invstd = <f64>load<f32>(at(saveInvStd, c));
    channelGradSums(N, C, S, x, dy, c, <f64>mean);
    const sum = gradSum;
    const dot = gradDot;
    if (dgamma) store<f32>(at(dgamma, c), <f32>(dot * invstd));
    if (dbeta) store<f32>(at(dbeta, c), <f32>sum);
    if (!dx) continue;
    // dx = (dy − gradMean − (x − mean)·k) · invstd·γ, as PyTorch's batch_norm_backward_cpu
    const k = <f32>(dot * invstd * invstd / M);
    const gradMean = <f32>(sum / M);
    const w = <f32>invstd * optLoad(gamma, c, 1);
    for (let n = 0; n < N; n++) {
      const xr = rowOf(x, n, c, C, S);
      const gr = rowOf(dy, n, c, C, S);
      const dr = rowOf(dx, n, c, C, S);
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        const vk = f32x4.splat(k), vm = f32x4.splat(mean), vg = f32x4.splat(gradMean), vw = f32x4.splat(w);
        for (; i + 4 <= S; i += 4) {
          const proj = f32x4.mul(f32x4.sub(v128.load(at(xr, i)), vm), vk);
          v128.store(at(dr, i), f32x4.mul(f32x4.sub(f32x4.sub(v128.load(at(gr, i)), vg), proj), vw));
        }
      }
      for (; i < S; i++) {
        const proj = (load<f32>(at(xr, i)) - mean) * k;
        store<f32>(at(dr, i), (load<f32>(at(gr, i)) - gradMean - proj) * w);
      }
    }
  }
}

export function batchNormBackwardEval(
  N: i32, C: i32, S: i32, x: usize, dy: usize, gamma: usize,
  runningMean: usize, runningVar: usize, eps: f32, dx: usize, dgamma: usize, dbeta: usize,
): void {
  for (let c = 0; c < C; c++) {
    const invstd = 1.0 / Math.sqrt(<f64>load<f32>(at(runningVar, c)) + <f64>eps);
    if (dgamma || dbeta) {
      channelGradSums(N, C, S, x, dy, c, <f64>load<f32>(at(runningMean, c)));
      if (dgamma) store<f32>(at(dgamma, c), <f32>(gradDot * invstd));
      if (dbeta) store<f32>(at(dbeta, c), <f32>gradSum);
    }
    if (!dx) continue;
    const a = <f32>invstd * optLoad(gamma, c, 1);
    for (let n = 0; n < N; n++) affineRow(rowOf(dy, n, c, C, S), rowOf(dx, n, c, C, S), 0, S, a, 0);
  }
}
