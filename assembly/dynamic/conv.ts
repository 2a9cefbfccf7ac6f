// Convolution with per-sample aggregated kernels (spec §2):  y_n = conv(x_n, Σ_k π_nk W_k, Σ_k π_nk b_k).
//
// Strategy, for every batch size: aggregate W(x_n) per sample (K·|W| multiply-adds, f32x4), then one
// ordinary convolution per sample through the shared conv2d kernels. The alternative — K convolutions
// over the whole batch and a π-weighted sum of the K outputs — costs K× the convolution FLOPs plus
// K·|y| per sample, while aggregation costs K·|W| = K·Cout·Cin/g·kh·kw, less than one convolution
// (which is that / K times OH·OW). Batching samples into one GEMM would not help either: the kernels
// already run one GEMM per sample and group. Batch-1 inference is this path with N = 1: one
// aggregated kernel, one convolution.
//
// Backward per sample: ∂W(x_n) and ∂b(x_n) from the conv's backward-weight kernel, ∂x_n from its
// backward-data kernel with W(x_n); then ∂π_nk = ⟨∂W(x_n), W_k⟩ + ⟨∂b(x_n), b_k⟩ and
// ∂W_k += π_nk ∂W(x_n), ∂b_k += π_nk ∂b(x_n). The attention path of ∂x is dynamicAttentionBackward.

import { conv2dBackwardData, conv2dBackwardWeight } from "../conv/conv2d_backward";
import { conv2dForward, conv2dWorkspaceBytes } from "../conv/conv2d_forward";
import { convC, convCinPerGroup, convH, convK, convKH, convKW, convN, convOH, convOW, convW } from "../conv/conv2d_params";
import { aggregateKernels, align64, axpy, dot } from "./vector";

const DESC_BYTES: usize = 64;
/** A static copy of the descriptor for the workspace-size queries (which get no workspace). */
const sizingDescriptor = memory.data(64, 16);

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

/** pass 0 = forward, 1 = backward. */
export function dynamicConv2dWorkspaceBytes(p: usize, K: i32, pass: i32): usize {
  const p1 = perSampleDescriptor(p, sizingDescriptor);
  const w = align64(<usize>kernelLength(p) << 2);
  const b = align64(<usize>convK(p) << 2);
  if (pass == 0) return DESC_BYTES + w + b + conv2dWorkspaceBytes(p1, 0);
  return DESC_BYTES + 2 * w + b + max(conv2dWorkspaceBytes(p1, 1), conv2dWorkspaceBytes(p1, 2));
}

/** y (N, Cout, OH, OW) for attention pi (N, K), kernels weight (K, Cout, Cin/g, kh, kw), bias (K, Cout) or 0. */
export function dynamicConv2dForward(p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, y: usize, ws: usize): void {
  const p1 = perSampleDescriptor(p, ws);
  const wLen = kernelLength(p);
  const cout = convK(p);
  const wn = ws + DESC_BYTES;
  const bn = wn + align64(<usize>wLen << 2);
  const convWs = bn + align64(<usize>cout << 2);
  const xBytes = <usize>convC(p) * convH(p) * convW(p) << 2;
  const yBytes = <usize>cout * convOH(p) * convOW(p) << 2;
  for (let n = 0; n < convN(p); n++) {
    const pn = pi + (<usize>(n * K) << 2);
    aggregateKernels(K, pn, weight, wLen, wn);
    if (bias) aggregateKernels(K, pn, bias, cout, bn);
    conv2dForward(p1, x + <usize>n * xBytes, wn, bias ? bn : 0, y + <usize>n * yBytes, convWs);
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
  const p1 = perSampleDescriptor(p, ws);
  const wLen = kernelLength(p);
  const cout = convK(p);
  const wn = ws + DESC_BYTES;
  const dwn = wn + align64(<usize>wLen << 2);
  const dbn = dwn + align64(<usize>wLen << 2);
  const convWs = dbn + align64(<usize>cout << 2);
  const xBytes = <usize>convC(p) * convH(p) * convW(p) << 2;
  const yBytes = <usize>cout * convOH(p) * convOW(p) << 2;
  memory.fill(dweight, 0, <usize>K * wLen << 2);
  if (bias) memory.fill(dbias, 0, <usize>K * cout << 2);
  for (let n = 0; n < convN(p); n++) {
    const pn = pi + (<usize>(n * K) << 2);
    const xn = x + <usize>n * xBytes;
    const dyn = dy + <usize>n * yBytes;
    aggregateKernels(K, pn, weight, wLen, wn);
    conv2dBackwardData(p1, dyn, wn, dx + <usize>n * xBytes, convWs);
    conv2dBackwardWeight(p1, xn, dyn, dwn, bias ? dbn : 0, convWs);
    for (let k = 0; k < K; k++) {
      const weightK = weight + (<usize>k * wLen << 2);
      const share = load<f32>(pn + (<usize>k << 2));
      let g = dot(weightK, dwn, wLen);
      axpy(share, dwn, dweight + (<usize>k * wLen << 2), wLen);
      if (bias) {
        const biasK = <usize>k * cout << 2;
        g += dot(bias + biasK, dbn, cout);
        axpy(share, dbn, dbias + biasK, cout);
      }
      store<f32>(dpi + (<usize>(n * K + k) << 2), g);
    }
  }
}
