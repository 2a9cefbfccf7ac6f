// Convolution with per-sample aggregated kernels (spec §2):  y_n = conv(x_n, Σ_k π_nk W_k, Σ_k π_nk b_k).
//
// Strategy, for every batch size: aggregate W(x_n) per sample (K·|W| multiply-adds, f32x4), then one
// ordinary convolution per sample through the shared conv2d kernels. Batch-1 inference is this path
// with N = 1: one aggregated kernel, one convolution.
//
// The alternative for N > 1 — "K convolutions + weighted sum": the K kernels (K, Cout, Cin, kh, kw)
// are the weight of ONE conv with K·Cout outputs, which conv2dForward runs as a single GEMM over all
// samples' pixels for small images, then y_n = Σ_k π_nk Y_n[k] — reads the kernels once per batch
// but costs K× the conv FLOPs. Measured (3×3 256→256, K = 4, groups 1, SIMD, min CPU time), it loses
// everywhere, even at one output pixel, because the conv runs far below peak on tiny images:
//   output pixels P     1      4      9      16     49
//   N = 8   stacked ÷ per-sample   1.67×  1.67×  2.26×  2.34×  3.06×
//   N = 32  stacked ÷ per-sample   1.60×  1.60×  2.27×  2.38×  3.11×
// So there is no crossover at K ≥ 4 for these shapes; it could only pay for K = 2 on ~1-pixel outputs
// (stacked = 2× a conv that is itself cheaper than one read of the kernels), not implemented.
//
// Aggregation is bound by memory bandwidth (reading the K·|W| kernel floats: ~0.3 ms for K = 4,
// 256→256 3×3 = 9.4 MB here, ~6% of that conv), so the forward aggregates up to
// MAX_SAMPLES_PER_PASS samples per read of the kernels (samplesPerPass). The conv then reads W(x_n)
// in place (the GEMM's direct-A path), so aggregating into a packed-A layout would save nothing.
//
// Backward per sample: ∂W(x_n) and ∂b(x_n) from the conv's backward-weight kernel; ∂x_n, for stride-1
// k×k convs, as the FORWARD conv of W(x_n) flipped and in/out-swapped (aggregated straight into that
// layout by aggregateFlipped), else from conv2dBackwardData; then ∂π_nk = ⟨∂W(x_n), W_k⟩ + ⟨∂b(x_n), b_k⟩
// and ∂W_k += π_nk ∂W(x_n), ∂b_k += π_nk ∂b(x_n) in one fused loop per kernel (dotAxpySamples; sample 0
// stores instead of zero-fill + add). Up to MAX_SAMPLES_PER_PASS samples share each pass over the
// kernels (samplesPerPassBackward: their W(x_n) and ∂W(x_n) within SAMPLES_BUDGET_BYTES).
// The attention path of ∂x is dynamicAttentionBackward.
// Aggregations and accumulations keep the summation order of the plain loops (bit-identical to K
// axpys); only ∂x's flipped path sums in another order (≤ 1e-6 relative).

import { conv2dBackwardData, conv2dBackwardWeight } from "../conv/conv2d_backward";
import { conv2dForward, conv2dWorkspaceBytes } from "../conv/conv2d_forward";
import {
  convC, convCinPerGroup, convDH, convDW, convG, convH, convIsDepthwise, convIsPointwise, convK, convKH, convKW, convN,
  convOH, convOW, convPH, convPW, convSH, convSW, convW,
} from "../conv/conv2d_params";
import { aggregateFlippedSamples, aggregateSamples, align64, axpy, dot, dotAxpySamples } from "./vector";

const DESC_BYTES: usize = 64;
/** A static copy of the descriptor for the workspace-size queries (which get no workspace). */
const sizingDescriptor = memory.data(64, 16);
const sizingFlipped = memory.data(64, 16);

/** Writes p with N = 1 into `into`: the kernels below run the conv one sample at a time. */
function perSampleDescriptor(p: usize, into: usize): usize {
  memory.copy(into, p, DESC_BYTES);
  store<i32>(into, 1);
  return into;
}

// A function, not an arrow: an arrow is a static function object, i.e. a data segment, which the
// threads build must not have (every thread's instantiation would rewrite it).
function kernelLength(p: usize): i32 {
  return convK(p) * convCinPerGroup(p) * convKH(p) * convKW(p);
}

/**
 * Backward data as a FORWARD conv of the flipped, in/out-swapped kernel (as the DCD backward does,
 * see ../dcd/flip.ts; aggregateFlipped writes that layout directly): stride 1, not 1×1/pad 0 (that one is a plain GEMM already), not depthwise
 * (direct kernels), and padding D·(k−1) − P ≥ 0. The forward runs on the implicit-im2col GEMM,
 * where conv2dBackwardData needs a column buffer, a transposed-A pack and a col2im scatter-add.
 */
function flippedBackwardData(p: usize): bool {
  return convSH(p) == 1 && convSW(p) == 1 && !convIsPointwise(p) && !convIsDepthwise(p)
    && convDH(p) * (convKH(p) - 1) >= convPH(p) && convDW(p) * (convKW(p) - 1) >= convPW(p);
}

/** The descriptor of dx_n = conv(dy_n, W') for one sample (see flippedBackwardData). */
function flippedDescriptor(p: usize, into: usize): usize {
  store<i32>(into, 1, 0);
  store<i32>(into, convK(p), 4);
  store<i32>(into, convOH(p), 8);
  store<i32>(into, convOW(p), 12);
  store<i32>(into, convC(p), 16);
  store<i32>(into, convKH(p), 20);
  store<i32>(into, convKW(p), 24);
  store<i32>(into, 1, 28);
  store<i32>(into, 1, 32);
  store<i32>(into, convDH(p) * (convKH(p) - 1) - convPH(p), 36);
  store<i32>(into, convDW(p) * (convKW(p) - 1) - convPW(p), 40);
  store<i32>(into, convDH(p), 44);
  store<i32>(into, convDW(p), 48);
  store<i32>(into, convG(p), 52);
  store<i32>(into, convH(p), 56);
  store<i32>(into, convW(p), 60);
  return into;
}

/** At most this many samples share one aggregation pass over the K kernels (forward). */
const MAX_SAMPLES_PER_PASS: i32 = 4;
/** …and their aggregated kernels together stay within this many bytes of workspace. */
const SAMPLES_BUDGET_BYTES: usize = 16 << 20;

/** Samples aggregated per pass over the K kernels by the forward (≥ 1). */
function samplesPerPass(p: usize): i32 {
  const w = align64(<usize>kernelLength(p) << 2);
  const per = max<usize>(w, 1);
  const fit = <i32>min<usize>(<usize>MAX_SAMPLES_PER_PASS, SAMPLES_BUDGET_BYTES / per);
  return max(1, min(convN(p), fit));
}

/** Samples per pass over the kernels in the backward: W(x_n) and ∂W(x_n) of each within the budget. */
function samplesPerPassBackward(p: usize): i32 {
  const w = align64(<usize>kernelLength(p) << 2);
  const per = max<usize>(2 * w, 1);
  const fit = <i32>min<usize>(<usize>MAX_SAMPLES_PER_PASS, SAMPLES_BUDGET_BYTES / per);
  return max(1, min(convN(p), fit));
}

/** pass 0 = forward, 1 = backward. */
export function dynamicConv2dWorkspaceBytes(p: usize, K: i32, pass: i32): usize {
  const p1 = perSampleDescriptor(p, sizingDescriptor);
  const w = align64(<usize>kernelLength(p) << 2);
  const b = align64(<usize>convK(p) << 2);
  if (pass == 0) return DESC_BYTES + <usize>samplesPerPass(p) * (w + b) + conv2dWorkspaceBytes(p1, 0);
  let conv = max(conv2dWorkspaceBytes(p1, 1), conv2dWorkspaceBytes(p1, 2));
  if (flippedBackwardData(p)) conv = max(conv, conv2dWorkspaceBytes(flippedDescriptor(p, sizingFlipped), 0));
  return 2 * DESC_BYTES + <usize>samplesPerPassBackward(p) * (2 * w + b) + conv;
}

/** y (N, Cout, OH, OW) for attention pi (N, K), kernels weight (K, Cout, Cin/g, kh, kw), bias (K, Cout) or 0. */
export function dynamicConv2dForward(p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, y: usize, ws: usize): void {
  dynamicConv2dForwardSamples(p, K, x, pi, weight, bias, y, ws, 0, convN(p));
}

/** dynamicConv2dForward for samples [nBegin, nEnd) only (a thread part: conv_part.ts). */
export function dynamicConv2dForwardSamples(
  p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, y: usize, ws: usize, nBegin: i32, nEnd: i32,
): void {
  const p1 = perSampleDescriptor(p, ws);
  const wLen = kernelLength(p);
  const cout = convK(p);
  const S = samplesPerPass(p);
  const wStride = align64(<usize>wLen << 2);
  const bStride = align64(<usize>cout << 2);
  const wn = ws + DESC_BYTES;
  const bn = wn + <usize>S * wStride;
  const convWs = bn + <usize>S * bStride;
  const xBytes = <usize>convC(p) * convH(p) * convW(p) << 2;
  const yBytes = <usize>cout * convOH(p) * convOW(p) << 2;
  const piRow = <usize>K << 2;
  for (let n0 = nBegin; n0 < nEnd; n0 += S) {
    const s = min(S, nEnd - n0);
    const pn = pi + <usize>n0 * piRow;
    aggregateSamples(K, s, pn, piRow, weight, wLen, wn, wStride);
    if (bias) aggregateSamples(K, s, pn, piRow, bias, cout, bn, bStride);
    for (let j = 0; j < s; j++) {
      const n = n0 + j;
      conv2dForward(p1, x + <usize>n * xBytes, wn + <usize>j * wStride, bias ? bn + <usize>j * bStride : 0, y + <usize>n * yBytes, convWs);
    }
  }
}

/**
 * Convolution path of the backward pass. Overwrites dx (conv share only), dweight, dbias (if bias)
 * and dpi (N, K).
 */
export function dynamicConv2dBackward(
  p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, dy: usize,
  dx: usize, dweight: usize, dbias: usize, dpi: usize, ws: usize,
): void {
  dynamicConv2dBackwardSamples(p, K, x, pi, weight, bias, dy, dx, dweight, dbias, dpi, ws, 0, convN(p));
}

/**
 * dynamicConv2dBackward for samples [nBegin, nEnd) only (a thread part: conv_part.ts): dx and dpi rows
 * of those samples; dweight / dbias are overwritten with those samples' share of ∂W_k / ∂b_k.
 */
export function dynamicConv2dBackwardSamples(
  p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, dy: usize,
  dx: usize, dweight: usize, dbias: usize, dpi: usize, ws: usize, nBegin: i32, nEnd: i32,
): void {
  const p1 = perSampleDescriptor(p, ws);
  const wLen = kernelLength(p);
  const cout = convK(p);
  const pt = ws + DESC_BYTES;
  const flipped = flippedBackwardData(p);
  if (flipped) flippedDescriptor(p, pt);
  const S = samplesPerPassBackward(p);
  const wStride = align64(<usize>wLen << 2);
  const bStride = align64(<usize>cout << 2);
  const wn = pt + DESC_BYTES;                 // S kernels W(x_n) (flipped on the flipped path)
  const dwn = wn + <usize>S * wStride;        // S gradients ∂W(x_n)
  const dbn = dwn + <usize>S * wStride;       // S gradients ∂b(x_n)
  const convWs = dbn + <usize>S * bStride;
  const xBytes = <usize>convC(p) * convH(p) * convW(p) << 2;
  const yBytes = <usize>cout * convOH(p) * convOW(p) << 2;
  const piRow = <usize>K << 2;
  if (nBegin >= nEnd) memory.fill(dweight, 0, <usize>K * wLen << 2);
  if (bias) memory.fill(dbias, 0, <usize>K * cout << 2);
  for (let n0 = nBegin; n0 < nEnd; n0 += S) {
    const s = min(S, nEnd - n0);
    const pn0 = pi + <usize>n0 * piRow;
    if (flipped) aggregateFlippedSamples(K, s, pn0, piRow, weight, cout, convC(p), convG(p), convKH(p), convKW(p), wn, wStride);
    else aggregateSamples(K, s, pn0, piRow, weight, wLen, wn, wStride);
    for (let j = 0; j < s; j++) {
      const n = n0 + j;
      const xn = x + <usize>n * xBytes;
      const dyn = dy + <usize>n * yBytes;
      const wj = wn + <usize>j * wStride;
      if (flipped) conv2dForward(pt, dyn, wj, 0, dx + <usize>n * xBytes, convWs);
      else conv2dBackwardData(p1, dyn, wj, dx + <usize>n * xBytes, 0, convWs);
      conv2dBackwardWeight(p1, xn, dyn, dwn + <usize>j * wStride, bias ? dbn + <usize>j * bStride : 0, convWs);
    }
    // ∂π_nk = ⟨∂W(x_n), W_k⟩ and ∂W_k (+)= π_nk ∂W(x_n): one pass over the kernels for the s samples
    dotAxpySamples(K, s, pn0, piRow, weight, dwn, wStride, wLen, dweight, n0 == nBegin, dpi + <usize>n0 * piRow, piRow);
    if (bias) {
      for (let j = 0; j < s; j++) {
        const pn = pn0 + <usize>j * piRow;
        const dbj = dbn + <usize>j * bStride;
        for (let k = 0; k < K; k++) {
          const biasK = <usize>k * cout << 2;
          const at = dpi + <usize>(n0 + j) * piRow + (<usize>k << 2);
          store<f32>(at, load<f32>(at) + dot(bias + biasK, dbj, cout));
          axpy(load<f32>(pn + (<usize>k << 2)), dbj, dbias + biasK, cout);
        }
      }
    }
  }
}
