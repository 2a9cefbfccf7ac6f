// conv2d backward, one part of `parts` for the thread pool (see gemm/partition.ts). `ws` is this
// part's own: PART_SCRATCH bytes of scratch, then conv2dWorkspaceBytes(p, pass) bytes. Every split keeps each element's
// summation order, so results are bit-identical to conv2d_backward.ts:
//   data, 1×1:    column ranges of dx's pixels (as the forward pass).
//   data, k×k:    input-channel ranges: a channel's dx plane only receives its own column rows
//                 (c, u, v), so parts scatter into disjoint planes (pixel ranges would overlap).
//   weight:       input-channel ranges = column ranges of dW; each part im2cols only its channels.
//                 Ranges start at multiples of 8 channels (so dW tiles stay on the same columns).
//   db:           output-channel ranges.

import { sgemm } from "../gemm/sgemm";
import { align64 } from "../gemm/config";
import { PART_SCRATCH, partStart, partStart1 } from "../gemm/partition";
import { blockPixels } from "./conv2d_backward";
import { col2imBlockAdd, im2colBlock } from "./im2col";
import { depthwiseBackwardDataPart, depthwiseBackwardWeightPart } from "./depthwise_part";
import { planeSum } from "./depthwise_plane";
import {
  convC, convG, convH, convIsDepthwise, convIsPointwise, convK, convKH, convKW, convN, convOH, convOW,
  convPatchSize, convW,
} from "./conv2d_params";

export function conv2dBackwardDataPart(p: usize, dy: usize, w: usize, dx: usize, ws: usize, part: i32, parts: i32): void {
  if (convIsDepthwise(p)) {
    depthwiseBackwardDataPart(p, dy, w, dx, ws, part, parts);
    return;
  }
  ws += PART_SCRATCH;
  const C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = convPatchSize(p), taps = convKH(p) * convKW(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const pointwise = convIsPointwise(p);
  const len = pointwise ? pixels : cg, align = pointwise ? 8 : 1;
  const segs = convN(p) * G;
  const a = partStart(segs, len, part, parts, align), e = partStart(segs, len, part + 1, parts, align);
  const nb = blockPixels(p);
  const col = ws, gemmWs = ws + align64(<usize>rows * nb << 2);
  for (let s = <i32>(a / len); <i64>s * len < e; s++) {
    const i0 = <i32>max<i64>(a - <i64>s * len, 0), i1 = <i32>min<i64>(e - <i64>s * len, len);
    if (i0 >= i1) continue;
    const n = s / G, g = s % G;
    const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
    const dxG = dx + ((<usize>(n * C + g * cg) * inPlane) << 2);
    const wG = w + ((<usize>g * kg * rows) << 2);
    if (pointwise) {
      sgemm(1, 0, cg, i1 - i0, kg, wG, cg, dyG + (<usize>i0 << 2), pixels, dxG + (<usize>i0 << 2), pixels, 0, ws);
      continue;
    }
    const dxC = dxG + ((<usize>i0 * inPlane) << 2), wC = wG + ((<usize>i0 * taps) << 2);
    const channels = i1 - i0;
    memory.fill(dxC, 0, <usize>channels * inPlane << 2);
    for (let q0 = 0; q0 < pixels; q0 += nb) {
      const nq = min(nb, pixels - q0);
      sgemm(1, 0, channels * taps, nq, kg, wC, rows, dyG + (<usize>q0 << 2), pixels, col, nq, 0, gemmWs);
      col2imBlockAdd(p, channels, col, nq, q0, q0 + nq, dxC);
    }
  }
}

export function conv2dBackwardWeightPart(
  p: usize, x: usize, dy: usize, dw: usize, db: usize, ws: usize, part: i32, parts: i32,
): void {
  if (convIsDepthwise(p)) {
    depthwiseBackwardWeightPart(p, x, dy, dw, db, part, parts);
    return;
  }
  ws += PART_SCRATCH;
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = convPatchSize(p), taps = convKH(p) * convKW(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const pointwise = convIsPointwise(p);
  const nb = blockPixels(p);
  const col = ws, gemmWs = pointwise ? ws : ws + align64(<usize>rows * nb << 2);
  if (N == 0 && part == 0) memory.fill(dw, 0, <usize>K * rows << 2);
  const a = partStart(G, cg, part, parts, 8), e = partStart(G, cg, part + 1, parts, 8);
  for (let g = <i32>(a / cg); <i64>g * cg < e; g++) {
    const c0 = <i32>max<i64>(a - <i64>g * cg, 0), c1 = <i32>min<i64>(e - <i64>g * cg, cg);
    if (c0 >= c1) continue;
    const channels = c1 - c0;
    const dwC = dw + ((<usize>g * kg * rows + <usize>c0 * taps) << 2);
    let accumulate = 0;
    for (let n = 0; n < N; n++) {
      const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
      const xC = x + ((<usize>(n * C + g * cg + c0) * inPlane) << 2);
      if (pointwise) {
        sgemm(0, 1, kg, channels, pixels, dyG, pixels, xC, inPlane, dwC, cg, accumulate, gemmWs);
        accumulate = 1;
        continue;
      }
      for (let q0 = 0; q0 < pixels; q0 += nb) {
        const nq = min(nb, pixels - q0);
        im2colBlock(p, channels, xC, q0, q0 + nq, col, nq);
        sgemm(0, 1, kg, channels * taps, nq, dyG + (<usize>q0 << 2), pixels, col, nq, dwC, rows, accumulate, gemmWs);
        accumulate = 1;
      }
    }
  }
  if (db) biasGradientPart(dy, db, N, K, pixels, partStart1(K, part, parts, 1), partStart1(K, part + 1, parts, 1));
}

// db[o] = Σ_{n,q} dy[n, o, q] for o in [o0, o1), in conv2d_backward.ts's order
function biasGradientPart(dy: usize, db: usize, N: i32, K: i32, pixels: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += planeSum(dy + ((<usize>(n * K + o) * pixels) << 2), pixels);
    store<f32>(db + (<usize>o << 2), s);
  }
}
