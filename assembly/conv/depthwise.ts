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

@inline function dim(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** y = depthwise_conv(x, w) + b   (b = 0: no bias). Overwrites y. */
export function depthwiseConv2dForward(p: usize, x: usize, w: usize, b: usize, y: usize): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < K; o++) {
      const c = o / M;
      const src = x + (((<usize>n * C + c) * inPlane) << 2);
      const dst = y + (((<usize>n * K + o) * outPlane) << 2);
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
    }
  }
}

/** dx = conv_transpose(dy, w) for depthwise w. Overwrites dx. */
export function depthwiseConv2dBackwardData(p: usize, dy: usize, w: usize, dx: usize): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const unitStride = SH == 1 && SW == 1;
  const gather3x3s2 = is3x3s2p1(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
  const gather5x5s2 = is5x5s2p2(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
  const flip5x5 = is5x5s1p2(KH, KW, SH, SW, PW, DH, DW, W, OW);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const dst = dx + (((<usize>n * C + c) * inPlane) << 2);
      if (!unitStride && !gather3x3s2 && !gather5x5s2) memory.fill(dst, 0, inPlane << 2);
      for (let m = 0; m < M; m++) {
        const o = c * M + m;
        const src = dy + (((<usize>n * K + o) * outPlane) << 2);
        const taps = w + ((<usize>o * KH * KW) << 2);
        if (flip5x5) {
          planeCorrelate5x5(src, OH, W, dst, H, taps, true, 4 - PH, 0, m > 0);
        } else if (unitStride) {
          // Stride 1: the transposed conv is a correlation of dy with the flipped kernel and
          // padding (K−1)·D − P, so it can gather into registers instead of scattering.
          planeCorrelate(src, OH, OW, dst, H, W, taps, KH, KW, true,
            1, 1, (KH - 1) * DH - PH, (KW - 1) * DW - PW, DH, DW, 0, m > 0);
        } else if (gather3x3s2) {
          planeGather3x3s2(src, OH, OW, dst, H, W, taps, PH, m > 0);
        } else if (gather5x5s2) {
          planeGather5x5s2(src, OH, OW, dst, H, W, taps, PH, m > 0);
        } else {
          planeScatterTransposed(src, OH, OW, dst, H, W, taps, KH, KW, SH, SW, PH, PW, DH, DW);
        }
      }
    }
  }
}

/** dw = Σ_n dy ⋆ x, db = Σ_{n,h,w} dy (db = 0: skip). Overwrites dw and db. */
export function depthwiseConv2dBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, db: usize): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const taps = KH * KW;
  const fast3x3 = is3x3s1p1(KH, KW, SH, SW, PW, DH, DW, W, OW);
  const fast3x3s2 = is3x3s2p1(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
  const fast5x5 = is5x5s1p2(KH, KW, SH, SW, PW, DH, DW, W, OW);
  const fast5x5s2 = is5x5s2p2(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
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
      const c = o / M;
      const xs = x + (((<usize>n * C + c) * inPlane) << 2);
      const g = dy + (((<usize>n * K + o) * outPlane) << 2);
      const dwo = dw + ((<usize>o * taps) << 2);
      // db first: its sequential read of the dy plane brings it into L1 ahead of the weight
      // gradient's passes (N = 8, 144 @56: dW + db 2.77 -> 2.56 ms; stride 2: 1.06 -> 0.98 ms).
      if (db) {
        const s = planeSum(g, <i32>outPlane);
        const d = db + (<usize>o << 2);
        store<f32>(d, acc ? load<f32>(d) + s : s);
      }
      if (fast5x5) {
        planeWeightGrad5x5(xs, H, W, g, OH, PH, dwo, acc);
      } else if (fast5x5s2) {
        planeWeightGrad5x5s2(xs, H, W, g, OH, OW, PH, dwo, acc);
      } else if (fast3x3s2) {
        planeWeightGrad3x3s2(xs, H, W, g, OH, OW, PH, dwo, acc);
      } else if (fast3x3) {
        planeWeightGrad3x3(xs, H, W, g, OH, PH, dwo, acc);
      } else for (let u = 0; u < KH; u++) {
        for (let v = 0; v < KW; v++) {
          const s = planeTapDot(xs, H, W, g, OH, OW, u * DH - PH, v * DW - PW, SH, SW);
          const d = dwo + ((<usize>(u * KW + v)) << 2);
          store<f32>(d, acc ? load<f32>(d) + s : s);
        }
      }
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
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const taps = KH * KW;
  const unitStride = SH == 1 && SW == 1;
  const fast3x3 = is3x3s1p1(KH, KW, SH, SW, PW, DH, DW, W, OW);
  const s2x3 = is3x3s2p1(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
  const s1x5 = is5x5s1p2(KH, KW, SH, SW, PW, DH, DW, W, OW);
  const s2x5 = is5x5s2p2(KH, KW, SH, SW, PW, DH, DW, W, OW, false);
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
      if (dx && !unitStride && !s2x3 && !s2x5) memory.fill(dst, 0, inPlane << 2);
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
        if (dw) {
          const dwo = dw + ((<usize>o * taps) << 2);
          if (s1x5) {
            planeWeightGrad5x5(xs, H, W, g, OH, PH, dwo, acc);
          } else if (s2x5) {
            planeWeightGrad5x5s2(xs, H, W, g, OH, OW, PH, dwo, acc);
          } else if (s2x3) {
            planeWeightGrad3x3s2(xs, H, W, g, OH, OW, PH, dwo, acc);
          } else if (fast3x3) {
            planeWeightGrad3x3(xs, H, W, g, OH, PH, dwo, acc);
          } else for (let u = 0; u < KH; u++) {
            for (let v = 0; v < KW; v++) {
              const s = planeTapDot(xs, H, W, g, OH, OW, u * DH - PH, v * DW - PW, SH, SW);
              const d = dwo + ((<usize>(u * KW + v)) << 2);
              store<f32>(d, acc ? load<f32>(d) + s : s);
            }
          }
        }
        if (dx) {
          const wt = w + ((<usize>o * taps) << 2);
          if (s1x5) {
            planeCorrelate5x5(g, OH, W, dst, H, wt, true, 4 - PH, 0, m > 0);
          } else if (unitStride) {
            planeCorrelate(g, OH, OW, dst, H, W, wt, KH, KW, true,
              1, 1, (KH - 1) * DH - PH, (KW - 1) * DW - PW, DH, DW, 0, m > 0);
          } else if (s2x3) {
            planeGather3x3s2(g, OH, OW, dst, H, W, wt, PH, m > 0);
          } else if (s2x5) {
            planeGather5x5s2(g, OH, OW, dst, H, W, wt, PH, m > 0);
          } else {
            planeScatterTransposed(g, OH, OW, dst, H, W, wt, KH, KW, SH, SW, PH, PW, DH, DW);
          }
        }
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
