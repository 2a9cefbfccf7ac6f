// Depthwise kernels (depthwise.ts), one part of `parts` for the thread pool: the same per-plane
// calls, over a range of planes. Planes are independent, so any split is bit-identical.
//   forward:         planes (n, o) of y
//   backward data:   planes (n, c) of dx (each gathers its M output planes)
//   backward weight: output channels o (dw[o] and db[o] sum over the batch in the same order)

import { partStart1 } from "../gemm/partition";
import { planeCorrelate, planeScatterTransposed, planeSum, planeTapDot } from "./depthwise_plane";

// @ts-ignore: decorator
@inline function dim(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

export function depthwiseForwardPart(p: usize, x: usize, w: usize, b: usize, y: usize, part: i32, parts: i32): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const end = partStart1(N * K, part + 1, parts, 1);
  for (let i = partStart1(N * K, part, parts, 1); i < end; i++) {
    const n = i / K, o = i % K, c = o / M;
    const src = x + (((<usize>n * C + c) * inPlane) << 2);
    const dst = y + ((<usize>i * outPlane) << 2);
    const taps = w + ((<usize>o * KH * KW) << 2);
    const bias: f32 = b ? load<f32>(b + (<usize>o << 2)) : 0;
    planeCorrelate(src, H, W, dst, OH, OW, taps, KH, KW, false, SH, SW, PH, PW, DH, DW, bias, false);
  }
}

export function depthwiseBackwardDataPart(p: usize, dy: usize, w: usize, dx: usize, part: i32, parts: i32): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const unitStride = SH == 1 && SW == 1;
  const end = partStart1(N * C, part + 1, parts, 1);
  for (let i = partStart1(N * C, part, parts, 1); i < end; i++) {
    const n = i / C, c = i % C;
    const dst = dx + ((<usize>i * inPlane) << 2);
    if (!unitStride) memory.fill(dst, 0, inPlane << 2);
    for (let m = 0; m < M; m++) {
      const o = c * M + m;
      const src = dy + (((<usize>n * K + o) * outPlane) << 2);
      const taps = w + ((<usize>o * KH * KW) << 2);
      if (unitStride) {
        planeCorrelate(src, OH, OW, dst, H, W, taps, KH, KW, true,
          1, 1, (KH - 1) * DH - PH, (KW - 1) * DW - PW, DH, DW, 0, m > 0);
      } else {
        planeScatterTransposed(src, OH, OW, dst, H, W, taps, KH, KW, SH, SW, PH, PW, DH, DW);
      }
    }
  }
}

export function depthwiseBackwardWeightPart(
  p: usize, x: usize, dy: usize, dw: usize, db: usize, part: i32, parts: i32,
): void {
  const N = dim(p, 0), C = dim(p, 1), H = dim(p, 2), W = dim(p, 3), K = dim(p, 4);
  const KH = dim(p, 5), KW = dim(p, 6), SH = dim(p, 7), SW = dim(p, 8);
  const PH = dim(p, 9), PW = dim(p, 10), DH = dim(p, 11), DW = dim(p, 12);
  const OH = dim(p, 14), OW = dim(p, 15);
  const M = K / C;
  const inPlane = <usize>H * W, outPlane = <usize>OH * OW;
  const end = partStart1(K, part + 1, parts, 1);
  for (let o = partStart1(K, part, parts, 1); o < end; o++) {
    const c = o / M;
    for (let u = 0; u < KH; u++) {
      for (let v = 0; v < KW; v++) {
        let s: f32 = 0;
        for (let n = 0; n < N; n++) {
          const xs = x + (((<usize>n * C + c) * inPlane) << 2);
          const g = dy + (((<usize>n * K + o) * outPlane) << 2);
          s += planeTapDot(xs, H, W, g, OH, OW, u * DH - PH, v * DW - PW, SH, SW);
        }
        store<f32>(dw + ((<usize>(o * KH + u) * KW + v) << 2), s);
      }
    }
    if (db) {
      let s: f32 = 0;
      for (let n = 0; n < N; n++) s += planeSum(dy + (((<usize>n * K + o) * outPlane) << 2), <i32>outPlane);
      store<f32>(db + (<usize>o << 2), s);
    }
  }
}
