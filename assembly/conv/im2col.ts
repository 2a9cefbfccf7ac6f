// im2col / col2im over a block of output pixels, for the sgemm-based conv paths.
//
// The column matrix has one row per (c, u, v) of one group — row r = (c·KH + u)·KW + v — and one
// column per output pixel q = oh·OW + ow in [q0, q1), stored with row stride `ldc`. Working on
// pixel blocks keeps the scratch buffer bounded whatever the image size.
// Valid ranges are computed per (row, tap); the copy loops carry no bounds checks.

import { rangeLo, rangeHi } from "./depthwise_plane";
import {
  convDH, convDW, convH, convKH, convKW, convOW, convPH, convPW, convSH, convSW, convW,
} from "./conv2d_params";

// Geometry comes from the conv descriptor `p` (conv2d_params.ts); `cg` is the number
// of input channels of one group (C / G), `x` / `dx` point at that group's first channel.
@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// Runs of a float or a row of a few (small images) are stored one by one, not by a memory.fill /
// memory.copy call each (the dW im2col of 3×3 s2 256→256 @14², N=1: 0.146 → 0.110 ms).
const SHORT_RUN: i32 = 16;

/** `count` (≥ 0) zero floats at dst. */
// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, count: i32): void {
  if (count > SHORT_RUN) memory.fill(dst, 0, <usize>count << 2);
  else for (let j = 0; j < count; j++) store<f32>(at(dst, j), 0);
}

/** `count` (≥ 0) floats from src to dst. */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  if (count > SHORT_RUN) memory.copy(dst, src, <usize>count << 2);
  else for (let j = 0; j < count; j++) store<f32>(at(dst, j), load<f32>(at(src, j)));
}

/** col[r, q − q0] = x[c, oh·SH − PH + u·DH, ow·SW − PW + v·DW] (0 outside the image). */
export function im2colBlock(p: usize, cg: i32, x: usize, q0: i32, q1: i32, col: usize, ldc: i32): void {
  const H = convH(p), W = convW(p), KH = convKH(p), KW = convKW(p);
  const SH = convSH(p), SW = convSW(p), PH = convPH(p), PW = convPW(p);
  const DH = convDH(p), DW = convDW(p), OW = convOW(p);
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = at(x, c * H * W);
    for (let u = 0; u < KH; u++) {
      for (let v = 0; v < KW; v++, r++) {
        const colOff = v * DW - PW;
        const jLo = rangeLo(colOff, SW, OW), jHi = max(jLo, rangeHi(colOff, SW, OW, W));
        const dstRow = at(col, r * ldc - q0);       // indexed by absolute pixel q
        let q = q0, oh = q0 / OW, ow0 = q0 - oh * OW;
        while (q < q1) {
          const ow1 = min(OW, ow0 + (q1 - q));        // this output row's part of the block
          const ih = oh * SH - PH + u * DH;
          const rowStart = q - ow0;                    // pixel index of (oh, 0)
          if (ih < 0 || ih >= H) {
            zeroFloats(at(dstRow, q), ow1 - ow0);
          } else {
            const a = min(ow1, max(ow0, jLo)), b = max(a, min(ow1, jHi));
            zeroFloats(at(dstRow, q), a - ow0);
            const src = at(plane, ih * W + colOff);
            if (SW == 1) {
              copyFloats(at(dstRow, rowStart + a), at(src, a), b - a);
            } else {
              for (let j = a; j < b; j++) store<f32>(at(dstRow, rowStart + j), load<f32>(at(src, j * SW)));
            }
            zeroFloats(at(dstRow, rowStart + b), ow1 - b);
          }
          q = rowStart + ow1;
          oh++;
          ow0 = 0;
        }
      }
    }
  }
}

/** dx[c, oh·SH − PH + u·DH, ow·SW − PW + v·DW] += col[r, q − q0] for in-image targets. */
export function col2imBlockAdd(p: usize, cg: i32, col: usize, ldc: i32, q0: i32, q1: i32, dx: usize): void {
  const H = convH(p), W = convW(p), KH = convKH(p), KW = convKW(p);
  const SH = convSH(p), SW = convSW(p), PH = convPH(p), PW = convPW(p);
  const DH = convDH(p), DW = convDW(p), OW = convOW(p);
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = at(dx, c * H * W);
    for (let u = 0; u < KH; u++) {
      for (let v = 0; v < KW; v++, r++) {
        const colOff = v * DW - PW;
        const jLo = rangeLo(colOff, SW, OW), jHi = max(jLo, rangeHi(colOff, SW, OW, W));
        const srcRow = at(col, r * ldc - q0);
        let q = q0;
        while (q < q1) {
          const oh = q / OW, ow0 = q - oh * OW;
          const ow1 = min(OW, ow0 + (q1 - q));
          const ih = oh * SH - PH + u * DH;
          const rowStart = q - ow0;
          if (ih >= 0 && ih < H) {
            const a = min(ow1, max(ow0, jLo)), b = max(a, min(ow1, jHi));
            const dst = at(plane, ih * W + colOff);
            const s = at(srcRow, rowStart);
            if (SW == 1) addRow(at(dst, a), at(s, a), b - a);
            else for (let j = a; j < b; j++) {
              const d = at(dst, j * SW);
              store<f32>(d, load<f32>(d) + load<f32>(at(s, j)));
            }
          }
          q = rowStart + ow1;
        }
      }
    }
  }
}

// dst[0..n) += src[0..n)
@inline function addRow(dst: usize, src: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      v128.store(at(dst, j), f32x4.add(v128.load(at(dst, j)), v128.load(at(src, j))));
    }
  }
  for (; j < n; j++) store<f32>(at(dst, j), load<f32>(at(dst, j)) + load<f32>(at(src, j)));
}
