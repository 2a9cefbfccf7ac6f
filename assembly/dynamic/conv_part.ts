// Dynamic convolution (conv.ts), one part of `parts` for the thread pool: parts split the SAMPLES.
// Each part aggregates its own samples' kernels W(x_n) into its thread's workspace and runs their
// convolutions there (the conv kernels called here are the one-thread ones).
//   forward:  samples are independent, so the result is bit-identical to dynamicConv2dForward.
//   backward: dx and ∂π rows are per sample (bit-identical); ∂W_k = Σ_n π_nk ∂W(x_n) and ∂b_k sum over
//             the batch, so part 0 writes its samples' share into dweight / dbias and part j ≥ 1 into
//             partial j − 1 (`partials`, dynamicConv2dPartialBytes apart); dynamicConv2dReducePart then
//             adds the partials in part order. The sum is grouped by part, not sample by sample as on
//             one thread: equal up to float32 rounding, and the same bits for the same part count
//             whichever thread ran which part.
// `ws` is the thread's own: PART_SCRATCH bytes (unused), then dynamicConv2dWorkspaceBytes(p, K, pass).

import { PART_SCRATCH, partStart1 } from "../gemm/partition";
import { convCinPerGroup, convK, convKH, convKW, convN } from "../conv/conv2d_params";
import { dynamicConv2dBackwardSamples, dynamicConv2dForwardSamples } from "./conv";
import { addPoolGradient } from "./attention";
import { align64 } from "./vector";

function weightFloats(p: usize, K: i32): i32 {
  return K * convK(p) * convCinPerGroup(p) * convKH(p) * convKW(p);
}

/** Bytes of one backward partial: K kernels' ∂W, then (64-aligned) K biases' ∂b. */
export function dynamicConv2dPartialBytes(p: usize, K: i32): usize {
  return align64(<usize>weightFloats(p, K) << 2) + align64(<usize>(K * convK(p)) << 2);
}

export function dynamicConv2dForwardPart(
  p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, y: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(convN(p), part, parts, 1), n1 = partStart1(convN(p), part + 1, parts, 1);
  if (n0 < n1) dynamicConv2dForwardSamples(p, K, x, pi, weight, bias, y, ws + PART_SCRATCH, n0, n1);
}

export function dynamicConv2dBackwardPart(
  p: usize, K: i32, x: usize, pi: usize, weight: usize, bias: usize, dy: usize,
  dx: usize, dweight: usize, dbias: usize, dpi: usize, partials: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(convN(p), part, parts, 1), n1 = partStart1(convN(p), part + 1, parts, 1);
  let dw = dweight, db = dbias;
  if (part > 0) {
    dw = partials + <usize>(part - 1) * dynamicConv2dPartialBytes(p, K);
    db = bias ? dw + align64(<usize>weightFloats(p, K) << 2) : 0;
  }
  dynamicConv2dBackwardSamples(p, K, x, pi, weight, bias, dy, dx, dw, db, dpi, ws + PART_SCRATCH, n0, n1);
}

/** dst[i0..i1) += Σ_j src_j[i0..i1), j ascending (src_j = src + j·stride); f32x4 adds round as scalar ones. */
function addPartials(dst: usize, src: usize, count: i32, stride: usize, i0: i32, i1: i32): void {
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      let acc = v128.load(dst + o);
      for (let j = 0; j < count; j++) acc = f32x4.add(acc, v128.load(src + <usize>j * stride + o));
      v128.store(dst + o, acc);
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    let acc = load<f32>(dst + o);
    for (let j = 0; j < count; j++) acc += load<f32>(src + <usize>j * stride + o);
    store<f32>(dst + o, acc);
  }
}

/**
 * After dynamicConv2dBackwardPart over `backwardParts` parts: dweight (+ dbias) += partials 0 … backwardParts − 2.
 * Parts split the elements (ranges of 4: whole vectors).
 */
export function dynamicConv2dReducePart(
  p: usize, K: i32, bias: usize, dweight: usize, dbias: usize, partials: usize, backwardParts: i32,
  ws: usize, part: i32, parts: i32,
): void {
  const count = backwardParts - 1;
  if (count <= 0) return;
  const stride = dynamicConv2dPartialBytes(p, K);
  const len = weightFloats(p, K);
  addPartials(dweight, partials, count, stride, partStart1(len, part, parts, 4), partStart1(len, part + 1, parts, 4));
  if (bias) {
    const bLen = K * convK(p);
    const bOff = align64(<usize>len << 2);
    addPartials(dbias, partials + bOff, count, stride, partStart1(bLen, part, parts, 4), partStart1(bLen, part + 1, parts, 4));
  }
}

/**
 * The attention path's share of ∂x (attention.ts addPoolGradient: dx[q, :] += dg[q] / plane) for the
 * planes of part `part`: element by element, so bit-identical to the one-thread backward.
 */
export function dynamicAttentionPoolGradPart(planes: i32, plane: i32, dg: usize, dx: usize, ws: usize, part: i32, parts: i32): void {
  const q0 = partStart1(planes, part, parts, 1), q1 = partStart1(planes, part + 1, parts, 1);
  if (q0 < q1) addPoolGradient(q1 - q0, plane, dg + (<usize>q0 << 2), dx + (<usize>q0 * plane << 2));
}
