// Depthwise convs (depthwise.ts), one part of `parts` for the thread pool. Rather than repeating
// depthwise.ts's loops, a part runs the whole-op kernels on a sub-problem: one sample and a range
// of input channels is itself a depthwise conv (C' channels, K' = C'·M outputs), described by a
// descriptor the part writes into its own 64 bytes of scratch (`desc`). Channels are independent,
// so the result is bit-identical.
//   forward, backward data: (sample, channel range) pieces.
//   backward weight:        sums over the batch into each dw[o], which a per-sample sub-problem
//                           can't continue; it is cheap next to the other two, so part 0 runs it.

import { partStart } from "../gemm/partition";
import { convC, convK, convKH, convKW, convN, convH, convW, convOH, convOW } from "./conv2d_params";
import {
  depthwiseBackwardChannels, depthwiseBackwardDataInto, depthwiseConv2dBackwardWeight, depthwiseForwardFused,
} from "./depthwise";

/** Writes p with N = 1 and channels [c0, c1) into `desc`. */
function subProblem(p: usize, c0: i32, c1: i32, desc: usize): usize {
  const M = convK(p) / convC(p);
  memory.copy(desc, p, 64);
  store<i32>(desc, 1);                     // N
  store<i32>(desc, c1 - c0, 4);            // C
  store<i32>(desc, (c1 - c0) * M, 16);     // K
  store<i32>(desc, c1 - c0, 52);           // G
  return desc;
}

export function depthwiseForwardPart(
  p: usize, x: usize, w: usize, b: usize, y: usize, desc: usize, part: i32, parts: i32,
  residual: usize = 0, lo: f32 = -Infinity, hi: f32 = Infinity, plane: usize = 0,
): void {
  const C = convC(p), K = convK(p), M = K / C, taps = convKH(p) * convKW(p);
  const inPlane = <usize>convH(p) * convW(p), outPlane = <usize>convOH(p) * convOW(p);
  const a = partStart(convN(p), C, part, parts, 1), e = partStart(convN(p), C, part + 1, parts, 1);
  for (let n = <i32>(a / C); <i64>n * C < e; n++) {
    const c0 = <i32>max<i64>(a - <i64>n * C, 0), c1 = <i32>min<i64>(e - <i64>n * C, C);
    if (c0 >= c1) continue;
    const yOffset = (<usize>(n * K + c0 * M) * outPlane) << 2;
    depthwiseForwardFused(subProblem(p, c0, c1, desc),
      x + ((<usize>(n * C + c0) * inPlane) << 2), w + ((<usize>c0 * M * taps) << 2),
      b ? b + (<usize>(c0 * M) << 2) : 0, y + yOffset, residual ? residual + yOffset : 0, lo, hi, plane);
  }
}

export function depthwiseBackwardDataPart(p: usize, dy: usize, w: usize, dx: usize, accumulate: i32, desc: usize,
  part: i32, parts: i32): void {
  const C = convC(p), K = convK(p), M = K / C, taps = convKH(p) * convKW(p);
  const inPlane = <usize>convH(p) * convW(p), outPlane = <usize>convOH(p) * convOW(p);
  const a = partStart(convN(p), C, part, parts, 1), e = partStart(convN(p), C, part + 1, parts, 1);
  for (let n = <i32>(a / C); <i64>n * C < e; n++) {
    const c0 = <i32>max<i64>(a - <i64>n * C, 0), c1 = <i32>min<i64>(e - <i64>n * C, C);
    if (c0 >= c1) continue;
    depthwiseBackwardDataInto(subProblem(p, c0, c1, desc),
      dy + ((<usize>(n * K + c0 * M) * outPlane) << 2), w + ((<usize>c0 * M * taps) << 2),
      dx + ((<usize>(n * C + c0) * inPlane) << 2), accumulate != 0);
  }
}

export function depthwiseBackwardWeightPart(
  p: usize, x: usize, dy: usize, dw: usize, db: usize, part: i32, parts: i32,
): void {
  if (part == 0) depthwiseConv2dBackwardWeight(p, x, dy, dw, db);
}

/**
 * depthwiseConv2dBackward, one part: channels [c0, c1) for every sample (dx, dw and db of a
 * channel depend on that channel only, and each dw[o] / db[o] still sums samples in order, so the
 * result is bit-identical to one thread). Parts split C, so ops with fewer channels than parts
 * leave some parts empty.
 */
export function depthwiseBackwardPart(
  p: usize, x: usize, dy: usize, w: usize, dx: usize, dw: usize, db: usize, ws: usize, part: i32, parts: i32,
): void {
  const C = convC(p);
  const c0 = <i32>partStart(1, C, part, parts, 1), c1 = <i32>partStart(1, C, part + 1, parts, 1);
  if (c0 < c1) depthwiseBackwardChannels(p, x, dy, w, dx, dw, db, c0, c1);
}
