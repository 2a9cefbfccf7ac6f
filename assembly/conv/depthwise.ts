// Direct depthwise kernels (groups == C, channel multiplier M = K / C ≥ 1).
//
// Depthwise convs do ~KH·KW flops per output, far too few for im2col + sgemm to pay off, so they
// run directly on the planes. Each output row is split into border columns (taps may fall outside
// the input: checked per pixel) and interior columns (every tap in range: no checks, f32x4 over
// four output columns when stride is 1 or 2). Rows are clipped per row, never per pixel.
// The MobileNet cases have dedicated plane kernels in depthwise_plane.ts: 3×3 stride 1 pad 1
// (forward, backward data as the flipped correlation, weight gradient) and 3×3 stride 2 pad 1
// (forward), whose border columns and row tails stay on the vector path; depthwise_s2.ts has the
// 3×3 stride-2 backward (data as a gather by column parity, weight gradient by even/odd
// de-interleave) and depthwise_5x5.ts the 5×5 pad-2 planes, strides 1 and 2, all three passes
// (scalar builds: depthwise_5x5_scalar.ts, sliding windows).
//
// Descriptor `p`: 16 i32, see docs/ARCHITECTURE.md. Weight layout (K, 1, KH, KW).

import {
  is3x3s1p1, is3x3s2p1, planeCorrelate, planeScatterTransposed, planeTapDot, planeSum, planeWeightGrad3x3,
} from "./depthwise_plane";
import { planeGather3x3s2, planeWeightGrad3x3s2 } from "./depthwise_s2";
import {
  is5x5s1p2, is5x5s2p2, planeCorrelate5x5, planeCorrelate5x5s2, planeGather5x5s2, planeWeightGrad5x5,
  planeWeightGrad5x5s2,
} from "./depthwise_5x5";

import { clampNeeded, epiloguePlane } from "../gemm/epilogue";

@inline function dim(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/**
 * y = depthwise_conv(x, w) + b   (b = 0: no bias). Overwrites y.
 * Fused epilogue (depthwiseForwardFused, for conv2dForwardFused): y = clamp(· + residual, lo, hi) per plane as it is written
 * (residual 0 = none; ±Inf = no clamp). In place (residual == y), each plane is computed into
 * `plane` (one output plane of scratch) and then added onto y.
 */
export function depthwiseConv2dForward(p: usize, x: usize, w: usize, b: usize, y: usize): void {
  depthwiseForwardFused(p, x, w, b, y, 0, -Infinity, Infinity, 0);
}

/** depthwiseConv2dForward with the fused epilogue (not exported: the export keeps its 5 arguments). */
export function depthwiseForwardFused(
  p: usize, x: usize, w: usize, b: usize, y: usize, residual: usize, lo: f32, hi: f32, plane: usize,
): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const hasRes = residual != 0, clampOn = clampNeeded(lo, hi);
  const inPlace = hasRes && residual == y;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < K; o++) {
      const c = o / M;
      const src = x + (((<usize>n * C + c) * inPlane) << 2);
      const out = y + (((<usize>n * K + o) * outPlane) << 2);
      const dst = inPlace ? plane : out;
      const taps = w + ((<usize>o * KH * KW) << 2);
      const bias: f32 = b ? load<f32>(b + (<usize>o << 2)) : 0;
      if (is5x5s1p2(KH, KW, SH, SW, PW, DH, DW, W, OW)) {
        planeCorrelate5x5(src, H, W, dst, OH, taps, false, PH, bias, false);
      } else if (is5x5s2p2(KH, KW, SH, SW, PW, DH, DW, W, OW, false)) {
        planeCorrelate5x5s2(src, H, W, dst, OH, OW, taps, PH, bias, false);
      } else {
        planeCorrelate(src, H, W, dst, OH, OW, taps, KH, KW, false,
          SH, SW, PH, PW, DH, DW, bias, false);
      }
      if (hasRes || clampOn) {
        epiloguePlane(dst, residual + (out - y), out, <i32>outPlane, hasRes, clampOn, lo, hi);
      }
    }
  }
}

// The plane kernels one backward descriptor takes, decided once per call: the dedicated 3×3 / 5×5
// stride-1 / stride-2 planes, else the generic taps.
const GENERIC: i32 = 0, S1_3X3: i32 = 1, S2_3X3: i32 = 2, S1_5X5: i32 = 3, S2_5X5: i32 = 4;

function planeKind(p: usize): i32 {
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12), W = dim(p, 3), OW = dim(p, 15);
  if (is5x5s1p2(KH, KW, SH, SW, PW, DH, DW, W, OW)) return S1_5X5;
  if (is5x5s2p2(KH, KW, SH, SW, PW, DH, DW, W, OW, false)) return S2_5X5;
  if (is3x3s2p1(KH, KW, SH, SW, PW, DH, DW, W, OW, false)) return S2_3X3;
  if (is3x3s1p1(KH, KW, SH, SW, PW, DH, DW, W, OW)) return S1_3X3;
  return GENERIC;
}

/** The data-gradient plane kernels add into dx except the scatter, which needs a zeroed plane. */
// @ts-ignore: decorator
@inline function dxNeedsZero(p: usize, kind: i32): bool {
  return !(dim(p, 7) == 1 && dim(p, 8) == 1) && kind != S2_3X3 && kind != S2_5X5;
}

/** dwo[taps] = (acc: +=) the weight gradient of one (x plane xs, dy plane g) pair. */
// @ts-ignore: decorator
@inline function weightGradPlane(p: usize, kind: i32, xs: usize, g: usize, dwo: usize, acc: bool): void {
  const H = dim(p, 2), W = dim(p, 3), PH = dim(p, 9), OH = dim(p, 14), OW = dim(p, 15);
  if (kind == S1_5X5) {
    planeWeightGrad5x5(xs, H, W, g, OH, PH, dwo, acc);
  } else if (kind == S2_5X5) {
    planeWeightGrad5x5s2(xs, H, W, g, OH, OW, PH, dwo, acc);
  } else if (kind == S2_3X3) {
    planeWeightGrad3x3s2(xs, H, W, g, OH, OW, PH, dwo, acc);
  } else if (kind == S1_3X3) {
    planeWeightGrad3x3(xs, H, W, g, OH, PH, dwo, acc);
  } else {
    const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
    const PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
    for (let u = 0; u < KH; u++) {
      for (let v = 0; v < KW; v++) {
        const s = planeTapDot(xs, H, W, g, OH, OW, u * DH - PH, v * DW - PW, SH, SW);
        const d = dwo + ((<usize>(u * KW + v)) << 2);
        store<f32>(d, acc ? load<f32>(d) + s : s);
      }
    }
  }
}

/** The dx plane dst gets the data gradient of one dy plane g through taps wt (add: onto dst). */
// @ts-ignore: decorator
@inline function dataGradPlane(p: usize, kind: i32, g: usize, wt: usize, dst: usize, add: bool): void {
  const H = dim(p, 2), W = dim(p, 3), KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12), OH = dim(p, 14), OW = dim(p, 15);
  if (kind == S1_5X5) {
    planeCorrelate5x5(g, OH, W, dst, H, wt, true, 4 - PH, 0, add);
  } else if (SH == 1 && SW == 1) {
    // Stride 1: the transposed conv is a correlation of dy with the flipped kernel and
    // padding (K−1)·D − P, so it can gather into registers instead of scattering.
    planeCorrelate(g, OH, OW, dst, H, W, wt, KH, KW, true,
      1, 1, (KH - 1) * DH - PH, (KW - 1) * DW - PW, DH, DW, 0, add);
  } else if (kind == S2_3X3) {
    planeGather3x3s2(g, OH, OW, dst, H, W, wt, PH, add);
  } else if (kind == S2_5X5) {
    planeGather5x5s2(g, OH, OW, dst, H, W, wt, PH, add);
  } else {
    planeScatterTransposed(g, OH, OW, dst, H, W, wt, KH, KW, SH, SW, PH, PW, DH, DW); // adds: dst zeroed
  }
}

/** dx = conv_transpose(dy, w) for depthwise w. Overwrites dx. */
export function depthwiseConv2dBackwardData(p: usize, dy: usize, w: usize, dx: usize): void {
  depthwiseBackwardDataInto(p, dy, w, dx, false);
}

/** dx = (accumulate: dx +) the depthwise transposed conv of dy (conv2dBackwardData's depthwise case). */
export function depthwiseBackwardDataInto(p: usize, dy: usize, w: usize, dx: usize, accumulate: bool): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const M = K / C, taps = dim(p, 5) * dim(p, 6);
  const inPlane = <usize>H * W, outPlane = <usize>dim(p, 14) * dim(p, 15);
  const kind = planeKind(p), zero = !accumulate && dxNeedsZero(p, kind);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const dst = dx + (((<usize>n * C + c) * inPlane) << 2);
      if (zero) memory.fill(dst, 0, inPlane << 2);
      for (let m = 0; m < M; m++) {
        const o = c * M + m;
        dataGradPlane(p, kind, dy + (((<usize>n * K + o) * outPlane) << 2), w + ((<usize>o * taps) << 2), dst, accumulate || m > 0);
      }
    }
  }
}

/** dw = Σ_n dy ⋆ x, db = Σ_{n,h,w} dy (db = 0: skip). Overwrites dw and db. */
export function depthwiseConv2dBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, db: usize): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const M = K / C, taps = dim(p, 5) * dim(p, 6);
  const inPlane = <usize>H * W, outPlane = <usize>dim(p, 14) * dim(p, 15);
  const kind = planeKind(p);
  // No samples: every sum is empty.
  if (N == 0) {
    memory.fill(dw, 0, <usize>K * taps << 2);
    if (db) memory.fill(db, 0, <usize>K << 2);
    return;
  }
  // Samples outside, planes inside: x and dy are read in memory order. Each dw[o] / db[o] still
  // sums its per-sample terms in sample order (sample 0 stores, later ones add), so the bits are
  // those of the former plane-outer order. Plane-outer read one 12.5 KB plane from each of 8
  // samples 1.8 MB apart (same offset mod 4 KB: 16 streams on the same L1 sets); at N = 8,
  // 144 @56 its dW cost 3.24 ms against 8 × 0.26 ms at N = 1, stride 2 1.89 ms against 8 × 0.086.
  for (let n = 0; n < N; n++) {
    const acc = n > 0;
    for (let o = 0; o < K; o++) {
      const g = dy + (((<usize>n * K + o) * outPlane) << 2);
      // db first: its sequential read of the dy plane brings it into L1 ahead of the weight
      // gradient's passes (N = 8, 144 @56: dW + db 2.77 -> 2.56 ms; stride 2: 1.06 -> 0.98 ms).
      if (db) {
        const s = planeSum(g, <i32>outPlane);
        const d = db + (<usize>o << 2);
        store<f32>(d, acc ? load<f32>(d) + s : s);
      }
      weightGradPlane(p, kind, x + (((<usize>n * C + o / M) * inPlane) << 2), g, dw + ((<usize>o * taps) << 2), acc);
    }
  }
}

/**
 * dx, dw and db of channels [c0, c1) (every sample) in one pass over dy: for each (sample, output
 * channel) plane, db's planeSum, the weight gradient and the data gradient run back to back, so
 * the dy plane is read from memory once and the later passes find it in L1 (the separate kernels
 * stream all of dy twice). Per element the operations are those of depthwiseConv2dBackwardData
 * and depthwiseConv2dBackwardWeight in the same order (dw[o] and db[o] sum samples in sample
 * order, dx[c] its M outputs in o order), so the bits are theirs for any channel range: the
 * thread pool's parts (depthwiseBackwardPart) split channels. dx / dw / db = 0: skip that output.
 * Measured (API, CPU ms, one process, separate kernels vs this interleaved, two runs on a quiet
 * machine): N = 1 3×3 144 @56 0.60 -> 0.55 and 0.61 -> 0.55; every other row within ±3%, e.g.
 * N = 8 144 @56 4.97 -> 4.95 and 5.10 -> 5.11, s2 1.59 -> 1.55 and 1.61 -> 1.59. The second read
 * of dy came from L3 (32 MB: x + dy of the N = 8 rows fit), and both passes are bound by their
 * multiply-adds (dx costs about one forward, dW about 1.1), so sharing the read saves little.
 * dx before dW (db, dx, dW) measured the same.
 */
export function depthwiseBackwardChannels(
  p: usize, x: usize, dy: usize, w: usize, dx: usize, dw: usize, db: usize, c0: i32, c1: i32,
): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const M = K / C, taps = dim(p, 5) * dim(p, 6);
  const inPlane = <usize>H * W, outPlane = <usize>dim(p, 14) * dim(p, 15);
  const kind = planeKind(p), zero = dxNeedsZero(p, kind);
  // No samples: every sum is empty.
  if (N == 0) {
    if (dw) memory.fill(dw + ((<usize>c0 * M * taps) << 2), 0, <usize>(c1 - c0) * M * taps << 2);
    if (db) memory.fill(db + ((<usize>c0 * M) << 2), 0, <usize>(c1 - c0) * M << 2);
    return;
  }
  for (let n = 0; n < N; n++) {
    const acc = n > 0;
    for (let c = c0; c < c1; c++) {
      const xs = x + (((<usize>n * C + c) * inPlane) << 2);
      const dst = dx + (((<usize>n * C + c) * inPlane) << 2);
      if (dx && zero) memory.fill(dst, 0, inPlane << 2);
      for (let m = 0; m < M; m++) {
        const o = c * M + m;
        const g = dy + (((<usize>n * K + o) * outPlane) << 2);
        // db first, then dW, then dx: planeSum streams the dy plane into L1, dW reads it with the
        // x plane, dx reads it once more while writing the dx plane.
        if (db) {
          const s = planeSum(g, <i32>outPlane);
          const d = db + (<usize>o << 2);
          store<f32>(d, acc ? load<f32>(d) + s : s);
        }
        if (dw) weightGradPlane(p, kind, xs, g, dw + ((<usize>o * taps) << 2), acc);
        if (dx) dataGradPlane(p, kind, g, w + ((<usize>o * taps) << 2), dst, m > 0);
      }
    }
  }
}

/**
 * dx = conv_transpose(dy, w), dw = Σ_n dy ⋆ x, db = Σ_{n,h,w} dy in one pass over dy (any of
 * dx / dw / db = 0: not computed). Overwrites the outputs it computes; bit-identical to
 * depthwiseConv2dBackwardData + depthwiseConv2dBackwardWeight.
 */
export function depthwiseConv2dBackward(
  p: usize, x: usize, dy: usize, w: usize, dx: usize, dw: usize, db: usize, ws: usize,
): void {
  depthwiseBackwardChannels(p, x, dy, w, dx, dw, db, 0, dim(p, 1));
}
