// Single-plane building blocks of the depthwise kernels (one input channel ↔ one output channel).
//
// Index ranges are computed once per row / per tap so that inner loops carry no bounds checks.
// SIMD paths (f32x4 over four output columns) cover column strides 1 and 2; everything else uses
// the same loops one lane at a time, which is also what the scalar build compiles.

import { madd } from "../simd/madd";

/** First j in [0, count) with j·stride + off ≥ 0. */
@inline export function rangeLo(off: i32, stride: i32, count: i32): i32 {
  return off >= 0 ? 0 : min(count, (stride - 1 - off) / stride);
}

/** One past the last j in [0, count) with j·stride + off < limit (≥ 0). */
@inline export function rangeHi(off: i32, stride: i32, count: i32, limit: i32): i32 {
  const t = limit - 1 - off;
  return t < 0 ? 0 : min(count, t / stride + 1);
}

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// Even lanes of two consecutive vectors: columns 0, 2, 4, 6 of 8 floats (stride-2 gather).
@inline function evenLanes(ptr: usize): v128 {
  return v128.shuffle<f32>(v128.load(ptr), v128.load(ptr, 16), 0, 2, 4, 6);
}

/**
 * dst[i,j] = (accumulate ? dst[i,j] : bias) + Σ_{u,v} tap(u,v) · src[i·SH − PH + u·DH, j·SW − PW + v·DW]
 * with out-of-range src reading as 0; tap(u,v) = taps[u,v], or taps[KH−1−u, KW−1−v] when flip.
 */
export function planeCorrelate(
  src: usize, SRC_H: i32, SRC_W: i32,
  dst: usize, OH: i32, OW: i32,
  taps: usize, KH: i32, KW: i32, flip: bool,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
  bias: f32, accumulate: bool,
): void {
  if (is3x3s1p1(KH, KW, SH, SW, PW, DH, DW, SRC_W, OW)) {
    planeCorrelate3x3(src, SRC_H, SRC_W, dst, OH, taps, flip, PH, bias, accumulate);
    return;
  }
  if (is3x3s2p1(KH, KW, SH, SW, PW, DH, DW, SRC_W, OW, flip)) {
    if (ASC_FEATURE_SIMD) planeCorrelate3x3s2(src, SRC_H, SRC_W, dst, OH, OW, taps, PH, bias, accumulate);
    else planeCorrelate3x3s2Scalar(src, SRC_H, SRC_W, dst, OH, OW, taps, PH, bias, accumulate);
    return;
  }
  // Interior columns: every horizontal tap lands inside the source row.
  const j0 = rangeLo(-PW, SW, OW);
  const j1 = max(j0, rangeHi(-PW + (KW - 1) * DW, SW, OW, SRC_W));
  // Stride 2 reads 8 floats per 4 outputs: the 8th must still be inside the row.
  const j1v = SW == 2 ? max(j0, rangeHi(-PW + (KW - 1) * DW + 1, SW, OW, SRC_W)) : j1;
  for (let i = 0; i < OH; i++) {
    const rowOff = i * SH - PH;
    const uLo = rangeLo(rowOff, DH, KH);
    const uHi = rangeHi(rowOff, DH, KH, SRC_H);
    const dRow = dst + ((<usize>i * OW) << 2);
    for (let j = 0; j < j0; j++) {
      correlateBorderPixel(src, SRC_W, dRow, j, taps, KH, KW, flip, SW, PW, DH, DW, rowOff, uLo, uHi, bias, accumulate);
    }
    let j = j0;
    if (ASC_FEATURE_SIMD && (SW == 1 || SW == 2)) {
      if (KH == 3 && KW == 3 && uLo == 0 && uHi == 3) {
        j = correlateRow3x3(src, SRC_W, rowOff, DH, DW, PW, SW, taps, flip, dRow, j0, j1v, bias, accumulate);
      }
      for (; j + 4 <= j1v; j += 4) {
        let acc = accumulate ? v128.load(at(dRow, j)) : f32x4.splat(bias);
        for (let u = uLo; u < uHi; u++) {
          const sRow = at(src, (rowOff + u * DH) * SRC_W + j * SW - PW);
          for (let v = 0; v < KW; v++) {
            const t = f32x4.splat(tapAt(taps, KH, KW, flip, u, v));
            const s = SW == 1 ? v128.load(at(sRow, v * DW)) : evenLanes(at(sRow, v * DW));
            acc = madd(t, s, acc);
          }
        }
        v128.store(at(dRow, j), acc);
      }
    }
    for (; j < j1; j++) {
      let acc: f32 = accumulate ? load<f32>(at(dRow, j)) : bias;
      for (let u = uLo; u < uHi; u++) {
        const sRow = at(src, (rowOff + u * DH) * SRC_W + j * SW - PW);
        for (let v = 0; v < KW; v++) {
          acc += tapAt(taps, KH, KW, flip, u, v) * load<f32>(at(sRow, v * DW));
        }
      }
      store<f32>(at(dRow, j), acc);
    }
    for (j = j1; j < OW; j++) {
      correlateBorderPixel(src, SRC_W, dRow, j, taps, KH, KW, flip, SW, PW, DH, DW, rowOff, uLo, uHi, bias, accumulate);
    }
  }
}

// The common 3×3 case with all three source rows in range: the nine taps stay in registers and
// the loop is unrolled; returns the first column it did not compute.
function correlateRow3x3(
  src: usize, SRC_W: i32, rowOff: i32, DH: i32, DW: i32, PW: i32, SW: i32,
  taps: usize, flip: bool, dRow: usize, j0: i32, j1v: i32, bias: f32, accumulate: bool,
): i32 {
  const t00 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 0)), t01 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 1));
  const t02 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 2)), t10 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 0));
  const t11 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 1)), t12 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 2));
  const t20 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 0)), t21 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 1));
  const t22 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 2));
  const b4 = f32x4.splat(bias);
  // Source rows, pre-shifted by −PW so that column j·SW + v·DW indexes them directly.
  const r0 = at(src, rowOff * SRC_W - PW);
  const r1 = at(r0, DH * SRC_W), r2 = at(r1, DH * SRC_W);
  const d1 = <usize>DW << 2, d2 = d1 << 1;
  let j = j0;
  if (SW == 1) {
    for (; j + 4 <= j1v; j += 4) {
      const o = <usize>j << 2;
      let acc = accumulate ? v128.load(dRow + o) : b4;
      acc = madd(t00, v128.load(r0 + o), acc);
      acc = madd(t01, v128.load(r0 + o + d1), acc);
      acc = madd(t02, v128.load(r0 + o + d2), acc);
      acc = madd(t10, v128.load(r1 + o), acc);
      acc = madd(t11, v128.load(r1 + o + d1), acc);
      acc = madd(t12, v128.load(r1 + o + d2), acc);
      acc = madd(t20, v128.load(r2 + o), acc);
      acc = madd(t21, v128.load(r2 + o + d1), acc);
      acc = madd(t22, v128.load(r2 + o + d2), acc);
      v128.store(dRow + o, acc);
    }
  } else {
    for (; j + 4 <= j1v; j += 4) {
      const o = <usize>j << 3;
      let acc = accumulate ? v128.load(dRow + (<usize>j << 2)) : b4;
      acc = madd(t00, evenLanes(r0 + o), acc);
      acc = madd(t01, evenLanes(r0 + o + d1), acc);
      acc = madd(t02, evenLanes(r0 + o + d2), acc);
      acc = madd(t10, evenLanes(r1 + o), acc);
      acc = madd(t11, evenLanes(r1 + o + d1), acc);
      acc = madd(t12, evenLanes(r1 + o + d2), acc);
      acc = madd(t20, evenLanes(r2 + o), acc);
      acc = madd(t21, evenLanes(r2 + o + d1), acc);
      acc = madd(t22, evenLanes(r2 + o + d2), acc);
      v128.store(dRow + (<usize>j << 2), acc);
    }
  }
  return j;
}

@inline function tapAt(taps: usize, KH: i32, KW: i32, flip: bool, u: i32, v: i32): f32 {
  return load<f32>(at(taps, flip ? (KH - 1 - u) * KW + (KW - 1 - v) : u * KW + v));
}

// One output pixel whose horizontal taps may leave the source row.
function correlateBorderPixel(
  src: usize, SRC_W: i32, dRow: usize, j: i32,
  taps: usize, KH: i32, KW: i32, flip: bool,
  SW: i32, PW: i32, DH: i32, DW: i32,
  rowOff: i32, uLo: i32, uHi: i32, bias: f32, accumulate: bool,
): void {
  let acc: f32 = accumulate ? load<f32>(at(dRow, j)) : bias;
  const colOff = j * SW - PW;
  const vLo = rangeLo(colOff, DW, KW);
  const vHi = rangeHi(colOff, DW, KW, SRC_W);
  for (let u = uLo; u < uHi; u++) {
    const sRow = at(src, (rowOff + u * DH) * SRC_W);
    for (let v = vLo; v < vHi; v++) {
      acc += tapAt(taps, KH, KW, flip, u, v) * load<f32>(at(sRow, colOff + v * DW));
    }
  }
  store<f32>(at(dRow, j), acc);
}

/**
 * dst[i·SH − PH + u·DH, j·SW − PW + v·DW] += taps[u,v] · src[i,j] for every in-range target:
 * the transposed conv of one plane for any stride (dst must be initialised by the caller).
 */
export function planeScatterTransposed(
  src: usize, OH: i32, OW: i32,
  dst: usize, H: i32, W: i32,
  taps: usize, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
): void {
  for (let i = 0; i < OH; i++) {
    const rowOff = i * SH - PH;
    const uLo = rangeLo(rowOff, DH, KH);
    const uHi = rangeHi(rowOff, DH, KH, H);
    const sRow = at(src, i * OW);
    for (let u = uLo; u < uHi; u++) {
      const dRow = at(dst, (rowOff + u * DH) * W);
      for (let v = 0; v < KW; v++) {
        const t = load<f32>(at(taps, u * KW + v));
        const colOff = v * DW - PW;
        const jHi = rangeHi(colOff, SW, OW, W);
        let j = rangeLo(colOff, SW, OW);
        if (ASC_FEATURE_SIMD) j = scatterTapRow(dRow, sRow, t, colOff, SW, W, OW, j, jHi);
        for (; j < jHi; j++) {
          const d = at(dRow, j * SW + colOff);
          store<f32>(d, load<f32>(d) + t * load<f32>(at(sRow, j)));
        }
      }
    }
  }
}

// dRow[j·SW + colOff] += t · sRow[j], four j at a time for SW = 1 or 2, from j = jLo; returns
// the first j left to the caller. SW = 2 adds the products to the even lanes of 8 consecutive
// floats (odd lanes get +0), so the 8th float must still lie inside the row.
function scatterTapRow(
  dRow: usize, sRow: usize, t: f32, colOff: i32, SW: i32, W: i32, OW: i32, jLo: i32, jHi: i32,
): i32 {
  let j = jLo;
  const t4 = f32x4.splat(t);
  if (SW == 1) {
    for (; j + 4 <= jHi; j += 4) {
      const d = at(dRow, j + colOff);
      v128.store(d, madd(t4, v128.load(at(sRow, j)), v128.load(d)));
    }
  } else if (SW == 2) {
    const jHiV = max(jLo, rangeHi(colOff + 1, 2, OW, W));
    const zero = f32x4.splat(0);
    for (; j + 4 <= jHiV; j += 4) {
      const prod = f32x4.mul(t4, v128.load(at(sRow, j)));
      const d = at(dRow, j * 2 + colOff);
      v128.store(d, f32x4.add(v128.load(d), v128.shuffle<f32>(prod, zero, 0, 4, 1, 4)));
      v128.store(d, f32x4.add(v128.load(d, 16), v128.shuffle<f32>(prod, zero, 2, 4, 3, 4)), 16);
    }
  }
  return j;
}

/** Σ_{i,j} g[i,j] · xs[i·SH + rowOff, j·SW + colOff] over in-range xs positions (one weight tap). */
export function planeTapDot(
  xs: usize, H: i32, W: i32,
  g: usize, OH: i32, OW: i32,
  rowOff: i32, colOff: i32, SH: i32, SW: i32,
): f32 {
  const iLo = rangeLo(rowOff, SH, OH), iHi = rangeHi(rowOff, SH, OH, H);
  const jLo = rangeLo(colOff, SW, OW), jHi = rangeHi(colOff, SW, OW, W);
  const jHiV = SW == 2 ? max(jLo, rangeHi(colOff + 1, SW, OW, W)) : jHi;
  let s: f32 = 0;
  for (let i = iLo; i < iHi; i++) {
    const xRow = at(xs, (i * SH + rowOff) * W + colOff);
    const gRow = at(g, i * OW);
    let j = jLo;
    if (ASC_FEATURE_SIMD && (SW == 1 || SW == 2)) {
      let acc = f32x4.splat(0);
      for (; j + 4 <= jHiV; j += 4) {
        const xv = SW == 1 ? v128.load(at(xRow, j)) : evenLanes(at(xRow, j * 2));
        acc = madd(v128.load(at(gRow, j)), xv, acc);
      }
      s += (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1))
         + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    }
    for (; j < jHi; j++) {
      s += load<f32>(at(gRow, j)) * load<f32>(at(xRow, j * SW));
    }
  }
  return s;
}

/** Σ of `count` floats. */
export function planeSum(ptr: usize, count: i32): f32 {
  let s: f32 = 0;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; k + 4 <= count; k += 4) acc = f32x4.add(acc, v128.load(at(ptr, k)));
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1))
      + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; k < count; k++) s += load<f32>(at(ptr, k));
  return s;
}

// ---------------------------------------------------------------------------------------------
// 3×3, stride 1, dilation 1, column padding 1 (OW == W): the MobileNet depthwise case, forward and
// (flipped) backward data. Whole rows are vector blocks of four columns: the left border block
// shifts a zero into lane 0, the right border block shifts one out of lane 3, and a last block of
// 1–3 columns uses partial loads/stores, so no column is computed one lane at a time and nothing is
// read or written outside the rows. Rows whose source rows are all in range take a branch-free path.

/** True when planeCorrelate3x3 handles the call. */
@inline export function is3x3s1p1(KH: i32, KW: i32, SH: i32, SW: i32, PW: i32, DH: i32, DW: i32,
                                  SRC_W: i32, OW: i32): bool {
  return KH == 3 && KW == 3 && SH == 1 && SW == 1 && DH == 1 && DW == 1 && PW == 1 && OW == SRC_W && SRC_W >= 5;
}

// The first `rem` (1–3) floats at ptr in the low lanes, zeros above.
// @ts-ignore: decorator
@inline export function loadPartial(ptr: usize, rem: i32): v128 {
  if (rem == 1) return v128.load32_zero(ptr);
  const v = v128.load64_zero(ptr);
  return rem == 3 ? v128.load32_lane(ptr, v, 2, 8) : v;
}

// @ts-ignore: decorator
@inline export function storePartial(ptr: usize, v: v128, rem: i32): void {
  if (rem == 1) { v128.store32_lane(ptr, v, 0); return; }
  v128.store64_lane(ptr, v, 0);
  if (rem == 3) v128.store32_lane(ptr, v, 2, 8);
}

// Block kinds: columns [j, j+4) of a row of W ≥ 5 floats.
const INNER = 0; // 1 ≤ j, j + 4 < W
const LEFT = 1;  // j = 0
const RIGHT = 2; // j + 4 = W
const TAIL = 3;  // j + rem = W, rem ∈ 1..3 (reads 16 bytes before j: j ≥ 4, or a row above)

// Columns j−1.., j.., j+1.. (four each) of the row at r, o = 4j; out-of-row columns read 0.
// @ts-ignore: decorator
@inline function vC(kind: i32, r: usize, o: usize, rem: i32): v128 {
  return kind == TAIL ? loadPartial(r + o, rem) : v128.load(r + o);
}

// @ts-ignore: decorator
@inline function vL(kind: i32, r: usize, o: usize, rem: i32): v128 {
  if (kind == LEFT) return v128.shuffle<f32>(f32x4.splat(0), v128.load(r), 3, 4, 5, 6);
  if (kind == TAIL) return v128.shuffle<f32>(v128.load(r + o - 16), loadPartial(r + o, rem), 3, 4, 5, 6);
  return v128.load(r + o - 4);
}

// @ts-ignore: decorator
@inline function vR(kind: i32, r: usize, o: usize, rem: i32): v128 {
  if (kind == RIGHT || kind == TAIL) return v128.shuffle<f32>(vC(kind, r, o, rem), f32x4.splat(0), 1, 2, 3, 4);
  return v128.load(r + o + 4);
}

// t0·row[j−1..j+2] + t1·row[j..j+3] + t2·row[j+1..j+4] (out-of-row columns read 0), row at r, o = 4j.
// @ts-ignore: decorator
@inline function rowTerm(kind: i32, r: usize, o: usize, rem: i32, t0: v128, t1: v128, t2: v128): v128 {
  return madd(t2, vR(kind, r, o, rem), madd(t1, vC(kind, r, o, rem), f32x4.mul(t0, vL(kind, r, o, rem))));
}

// One output block; rows r0..r2 feed taps rows 0..2 when has0..has2.
// @ts-ignore: decorator
@inline function block3x3(
  kind: i32, r0: usize, r1: usize, r2: usize, has0: bool, has1: bool, has2: bool,
  d: usize, o: usize, rem: i32, b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  let acc = b4;
  if (accumulate) acc = kind == TAIL ? loadPartial(d + o, rem) : v128.load(d + o);
  if (has0 && has1 && has2) {
    const s0 = rowTerm(kind, r0, o, rem, t00, t01, t02);
    const s1 = rowTerm(kind, r1, o, rem, t10, t11, t12);
    const s2 = rowTerm(kind, r2, o, rem, t20, t21, t22);
    acc = f32x4.add(f32x4.add(acc, s0), f32x4.add(s1, s2));
  } else {
    if (has0) acc = f32x4.add(acc, rowTerm(kind, r0, o, rem, t00, t01, t02));
    if (has1) acc = f32x4.add(acc, rowTerm(kind, r1, o, rem, t10, t11, t12));
    if (has2) acc = f32x4.add(acc, rowTerm(kind, r2, o, rem, t20, t21, t22));
  }
  if (kind == TAIL) storePartial(d + o, acc, rem); else v128.store(d + o, acc);
}

// @ts-ignore: decorator
@inline function row3x3(
  r0: usize, r1: usize, r2: usize, has0: bool, has1: bool, has2: bool, d: usize, W: i32, b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  const rem = W & 3;
  const full = <usize>(W & ~3) << 2;
  // With rem = 0 the last full block is the right border; otherwise the tail block is.
  const innerEnd = rem ? full : full - 16;
  block3x3(LEFT, r0, r1, r2, has0, has1, has2, d, 0, rem, b4, accumulate,
    t00, t01, t02, t10, t11, t12, t20, t21, t22);
  let o: usize = 16;
  for (; o < innerEnd; o += 16) {
    block3x3(INNER, r0, r1, r2, has0, has1, has2, d, o, rem, b4, accumulate,
      t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
  // One branch per row picks a tail block with its width as a constant (no branches inside).
  if (rem == 2) {
    block3x3(TAIL, r0, r1, r2, has0, has1, has2, d, o, 2, b4, accumulate,
      t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else if (rem == 1) {
    block3x3(TAIL, r0, r1, r2, has0, has1, has2, d, o, 1, b4, accumulate,
      t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else if (rem == 3) {
    block3x3(TAIL, r0, r1, r2, has0, has1, has2, d, o, 3, b4, accumulate,
      t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else {
    block3x3(RIGHT, r0, r1, r2, has0, has1, has2, d, o, rem, b4, accumulate,
      t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
}

// Output rows whose three source rows are all inside the plane, as one flat run of f32x4 blocks over
// the (row-major, OW == W) pixels: a block may straddle two rows, so no lanes are wasted on narrow
// planes (14 = 4 + 4 + 4 + 2 wastes 1/8 per row) and there are no per-row border blocks. A lane whose
// left (right) neighbour is in another row reads that neighbour as 0, as the border blocks do, so the
// bits are those of row3x3. Rows [iLo, iHi) of dst; source row of output row i is i − PH (+ u).
function interiorRows3x3(
  src: usize, W: i32, dst: usize, iLo: i32, iHi: i32, PH: i32, b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  const rowBytes = <usize>W << 2;
  const pEnd = iHi * W;
  let p = iLo * W, j = 0; // j: column of lane 0
  // The full blocks stop short of pEnd: the last one's right neighbours could lie past the plane.
  for (; p + 4 < pEnd; p += 4) {
    const r0 = src + (<usize>(p - PH * W - 1) << 2); // tap (0, 0) of lane 0
    const r1 = r0 + rowBytes, r2 = r1 + rowBytes;
    const d = dst + (<usize>p << 2);
    let acc = accumulate ? v128.load(d) : b4;
    let s0: v128, s1: v128, s2: v128;
    if (j != 0 && j + 4 < W) {
      s0 = madd(t02, v128.load(r0, 8), madd(t01, v128.load(r0, 4), f32x4.mul(t00, v128.load(r0))));
      s1 = madd(t12, v128.load(r1, 8), madd(t11, v128.load(r1, 4), f32x4.mul(t10, v128.load(r1))));
      s2 = madd(t22, v128.load(r2, 8), madd(t21, v128.load(r2, 4), f32x4.mul(t20, v128.load(r2))));
    } else {
      // lane W − j starts a row (its left neighbour reads 0), lane W − 1 − j ends one (right reads 0)
      const lanes = i32x4(0, 1, 2, 3);
      const first = i32x4.eq(lanes, i32x4.splat(j == 0 ? 0 : W - j));
      const last = i32x4.eq(lanes, i32x4.splat(W - 1 - j));
      s0 = madd(t02, v128.andnot(v128.load(r0, 8), last), madd(t01, v128.load(r0, 4), f32x4.mul(t00, v128.andnot(v128.load(r0), first))));
      s1 = madd(t12, v128.andnot(v128.load(r1, 8), last), madd(t11, v128.load(r1, 4), f32x4.mul(t10, v128.andnot(v128.load(r1), first))));
      s2 = madd(t22, v128.andnot(v128.load(r2, 8), last), madd(t21, v128.load(r2, 4), f32x4.mul(t20, v128.andnot(v128.load(r2), first))));
    }
    v128.store(d, f32x4.add(f32x4.add(acc, s0), f32x4.add(s1, s2)));
    j += 4;
    if (j >= W) j -= W;
  }
  // The last 1–4 pixels end row iHi − 1: row3x3's right-border block for them.
  const rem = pEnd - p, i = iHi - 1;
  const r0 = src + <usize>((i - PH) * W) * 4, r1 = r0 + rowBytes, r2 = r1 + rowBytes;
  const d = dst + <usize>i * rowBytes, o = <usize>(W - rem) << 2;
  if (rem == 4) {
    block3x3(RIGHT, r0, r1, r2, true, true, true, d, o, 4, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else if (rem == 3) {
    block3x3(TAIL, r0, r1, r2, true, true, true, d, o, 3, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else if (rem == 2) {
    block3x3(TAIL, r0, r1, r2, true, true, true, d, o, 2, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  } else {
    block3x3(TAIL, r0, r1, r2, true, true, true, d, o, 1, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
}

/** planeCorrelate for is3x3s1p1 (any PH). */
export function planeCorrelate3x3(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32,
  taps: usize, flip: bool, PH: i32, bias: f32, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeCorrelate3x3Scalar(src, SRC_H, W, dst, OH, taps, flip, PH, bias, accumulate);
    return;
  }
  const t00 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 0)), t01 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 1));
  const t02 = f32x4.splat(tapAt(taps, 3, 3, flip, 0, 2)), t10 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 0));
  const t11 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 1)), t12 = f32x4.splat(tapAt(taps, 3, 3, flip, 1, 2));
  const t20 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 0)), t21 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 1));
  const t22 = f32x4.splat(tapAt(taps, 3, 3, flip, 2, 2));
  const b4 = f32x4.splat(bias);
  const rowBytes = <usize>W << 2;
  // Rows with all three source rows in range, [iLo, iHi), go as one flat run when W is not a multiple of
  // 4 (measured, 8 × 576 planes of 14²: 0.75 → 0.64 ms); at W = 56 row by row is 3% faster (fewer masks).
  const iLo = min(OH, max(0, PH)), iHi = W & 3 ? max(iLo, min(OH, SRC_H - 2 + PH)) : iLo;
  if (iHi > iLo) {
    if (accumulate) interiorRows3x3(src, W, dst, iLo, iHi, PH, b4, true, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    else interiorRows3x3(src, W, dst, iLo, iHi, PH, b4, false, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
  for (let i = 0; i < OH; i++) {
    if (i == iLo && iHi > iLo) { i = iHi - 1; continue; }
    const top = i - PH;
    const r0 = src + <usize>(top * W) * 4;
    const r1 = r0 + rowBytes, r2 = r1 + rowBytes;
    const d = dst + <usize>i * rowBytes;
    const has0 = top >= 0 && top < SRC_H, has1 = top + 1 >= 0 && top + 1 < SRC_H;
    const has2 = top + 2 >= 0 && top + 2 < SRC_H;
    if (has0 && has2) {
      if (accumulate) row3x3(r0, r1, r2, true, true, true, d, W, b4, true, t00, t01, t02, t10, t11, t12, t20, t21, t22);
      else row3x3(r0, r1, r2, true, true, true, d, W, b4, false, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    } else {
      row3x3(r0, r1, r2, has0, has1, has2, d, W, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    }
  }
}

// Scalar build: the same rows one column at a time with a sliding 3×3 window in locals (each
// source value is loaded once per output row that uses it, no per-pixel range checks).
function planeCorrelate3x3Scalar(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32,
  taps: usize, flip: bool, PH: i32, bias: f32, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const top = i - PH;
    const d = dst + <usize>i * rowBytes;
    let first = !accumulate;
    for (let u = 0; u < 3; u++) {
      const row = top + u;
      if (row < 0 || row >= SRC_H) continue;
      const r = src + <usize>row * rowBytes;
      const a = tapAt(taps, 3, 3, flip, u, 0), b = tapAt(taps, 3, 3, flip, u, 1), c = tapAt(taps, 3, 3, flip, u, 2);
      let xl: f32 = 0, xc = load<f32>(r);
      const last = <usize>(W - 1) << 2;
      if (first) {
        for (let o: usize = 0; o < last; o += 4) {
          const xr = load<f32>(r + o, 4);
          store<f32>(d + o, bias + (a * xl + b * xc + c * xr));
          xl = xc; xc = xr;
        }
        store<f32>(d + last, bias + (a * xl + b * xc));
      } else {
        for (let o: usize = 0; o < last; o += 4) {
          const xr = load<f32>(r + o, 4);
          store<f32>(d + o, load<f32>(d + o) + (a * xl + b * xc + c * xr));
          xl = xc; xc = xr;
        }
        store<f32>(d + last, load<f32>(d + last) + (a * xl + b * xc));
      }
      first = false;
    }
    if (first) for (let o: usize = 0; o < rowBytes; o += 4) store<f32>(d + o, bias);
  }
}

/**
 * Weight gradient of one plane for is3x3s1p1 (any PH): dw[u,v] (+)= Σ g[i,j] · x[i − PH + u, j − 1 + v]
 * (out-of-range x reads 0). One pass per kernel row u over the output rows whose source row is in
 * range, two rows at a time: six vector accumulators (nine would spill), one horizontal sum each.
 * (Measured: one pass over the interior rows with nine accumulators, each dy block loaded once,
 * took 0.42 ms against 0.26 for 144 @56 planes in V8 / Node 20: the accumulators spill.)
 */
export function planeWeightGrad3x3(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeWeightGrad3x3Scalar(x, H, W, g0, OH, PH, dw, accumulate);
    return;
  }
  const rowBytes = <usize>W << 2;
  const rem = W & 3;
  const full = <usize>(W & ~3) << 2;
  const innerEnd = rem ? full : full - 16;
  for (let u = 0; u < 3; u++) {
    const z = f32x4.splat(0);
    let a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z;
    const iLo = max(0, PH - u), iHi = min(OH, H + PH - u);
    let i = iLo;
    for (; i + 2 <= iHi; i += 2) {
      const r = x + <usize>(i - PH + u) * rowBytes;
      const g = g0 + <usize>i * rowBytes;
      {
        const o: usize = 0;
        const G = vC(LEFT, g, o, rem);
        const H2 = vC(LEFT, g + rowBytes, o, rem);
        a0 = madd(G, vL(LEFT, r, o, rem), a0); a1 = madd(G, vC(LEFT, r, o, rem), a1); a2 = madd(G, vR(LEFT, r, o, rem), a2);
        b0 = madd(H2, vL(LEFT, r + rowBytes, o, rem), b0); b1 = madd(H2, vC(LEFT, r + rowBytes, o, rem), b1); b2 = madd(H2, vR(LEFT, r + rowBytes, o, rem), b2);
      }
      let o: usize = 16;
      for (; o < innerEnd; o += 16) {
        const G = vC(INNER, g, o, rem);
        const H2 = vC(INNER, g + rowBytes, o, rem);
        a0 = madd(G, vL(INNER, r, o, rem), a0); a1 = madd(G, vC(INNER, r, o, rem), a1); a2 = madd(G, vR(INNER, r, o, rem), a2);
        b0 = madd(H2, vL(INNER, r + rowBytes, o, rem), b0); b1 = madd(H2, vC(INNER, r + rowBytes, o, rem), b1); b2 = madd(H2, vR(INNER, r + rowBytes, o, rem), b2);
      }
      if (rem == 2) {
        const G = vC(TAIL, g, o, 2);
        const H2 = vC(TAIL, g + rowBytes, o, 2);
        a0 = madd(G, vL(TAIL, r, o, 2), a0); a1 = madd(G, vC(TAIL, r, o, 2), a1); a2 = madd(G, vR(TAIL, r, o, 2), a2);
        b0 = madd(H2, vL(TAIL, r + rowBytes, o, 2), b0); b1 = madd(H2, vC(TAIL, r + rowBytes, o, 2), b1); b2 = madd(H2, vR(TAIL, r + rowBytes, o, 2), b2);
      } else if (rem == 1) {
        const G = vC(TAIL, g, o, 1);
        const H2 = vC(TAIL, g + rowBytes, o, 1);
        a0 = madd(G, vL(TAIL, r, o, 1), a0); a1 = madd(G, vC(TAIL, r, o, 1), a1); a2 = madd(G, vR(TAIL, r, o, 1), a2);
        b0 = madd(H2, vL(TAIL, r + rowBytes, o, 1), b0); b1 = madd(H2, vC(TAIL, r + rowBytes, o, 1), b1); b2 = madd(H2, vR(TAIL, r + rowBytes, o, 1), b2);
      } else if (rem == 3) {
        const G = vC(TAIL, g, o, 3);
        const H2 = vC(TAIL, g + rowBytes, o, 3);
        a0 = madd(G, vL(TAIL, r, o, 3), a0); a1 = madd(G, vC(TAIL, r, o, 3), a1); a2 = madd(G, vR(TAIL, r, o, 3), a2);
        b0 = madd(H2, vL(TAIL, r + rowBytes, o, 3), b0); b1 = madd(H2, vC(TAIL, r + rowBytes, o, 3), b1); b2 = madd(H2, vR(TAIL, r + rowBytes, o, 3), b2);
      } else {
        const G = vC(RIGHT, g, o, rem);
        const H2 = vC(RIGHT, g + rowBytes, o, rem);
        a0 = madd(G, vL(RIGHT, r, o, rem), a0); a1 = madd(G, vC(RIGHT, r, o, rem), a1); a2 = madd(G, vR(RIGHT, r, o, rem), a2);
        b0 = madd(H2, vL(RIGHT, r + rowBytes, o, rem), b0); b1 = madd(H2, vC(RIGHT, r + rowBytes, o, rem), b1); b2 = madd(H2, vR(RIGHT, r + rowBytes, o, rem), b2);
      }
    }
    if (i < iHi) {
      const r = x + <usize>(i - PH + u) * rowBytes;
      const g = g0 + <usize>i * rowBytes;
      {
        const o: usize = 0;
        const G = vC(LEFT, g, o, rem);
        a0 = madd(G, vL(LEFT, r, o, rem), a0); a1 = madd(G, vC(LEFT, r, o, rem), a1); a2 = madd(G, vR(LEFT, r, o, rem), a2);
      }
      let o: usize = 16;
      for (; o < innerEnd; o += 16) {
        const G = vC(INNER, g, o, rem);
        a0 = madd(G, vL(INNER, r, o, rem), a0); a1 = madd(G, vC(INNER, r, o, rem), a1); a2 = madd(G, vR(INNER, r, o, rem), a2);
      }
      if (rem == 2) {
        const G = vC(TAIL, g, o, 2);
        a0 = madd(G, vL(TAIL, r, o, 2), a0); a1 = madd(G, vC(TAIL, r, o, 2), a1); a2 = madd(G, vR(TAIL, r, o, 2), a2);
      } else if (rem == 1) {
        const G = vC(TAIL, g, o, 1);
        a0 = madd(G, vL(TAIL, r, o, 1), a0); a1 = madd(G, vC(TAIL, r, o, 1), a1); a2 = madd(G, vR(TAIL, r, o, 1), a2);
      } else if (rem == 3) {
        const G = vC(TAIL, g, o, 3);
        a0 = madd(G, vL(TAIL, r, o, 3), a0); a1 = madd(G, vC(TAIL, r, o, 3), a1); a2 = madd(G, vR(TAIL, r, o, 3), a2);
      } else {
        const G = vC(RIGHT, g, o, rem);
        a0 = madd(G, vL(RIGHT, r, o, rem), a0); a1 = madd(G, vC(RIGHT, r, o, rem), a1); a2 = madd(G, vR(RIGHT, r, o, rem), a2);
      }
    }
    weightGradOut(dw, u * 3, f32x4.add(a0, b0), accumulate);
    weightGradOut(dw, u * 3 + 1, f32x4.add(a1, b1), accumulate);
    weightGradOut(dw, u * 3 + 2, f32x4.add(a2, b2), accumulate);
  }
}

// @ts-ignore: decorator
@inline function weightGradOut(dw: usize, k: i32, a: v128, accumulate: bool): void {
  const s = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  const d = at(dw, k);
  store<f32>(d, accumulate ? load<f32>(d) + s : s);
}

// Scalar build: per source row in range, a sliding window of three columns and three accumulators.
function planeWeightGrad3x3Scalar(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  const last = <usize>(W - 1) << 2;
  for (let u = 0; u < 3; u++) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0;
    // Output rows whose source row top + u = i − PH + u is in range.
    const iLo = max(0, PH - u), iHi = min(OH, H + PH - u);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(i - PH + u) * rowBytes;
      const g = g0 + <usize>i * rowBytes;
      let xl: f32 = 0, xc = load<f32>(r);
      for (let o: usize = 0; o < last; o += 4) {
        const xr = load<f32>(r + o, 4);
        const gv = load<f32>(g + o);
        s0 += gv * xl; s1 += gv * xc; s2 += gv * xr;
        xl = xc; xc = xr;
      }
      const gv = load<f32>(g + last);
      s0 += gv * xl; s1 += gv * xc;
    }
    const d = at(dw, u * 3);
    if (accumulate) { s0 += load<f32>(d); s1 += load<f32>(d, 4); s2 += load<f32>(d, 8); }
    store<f32>(d, s0); store<f32>(d, s1, 4); store<f32>(d, s2, 8);
  }
}

// ---------------------------------------------------------------------------------------------
// 3×3, stride 2, dilation 1, column padding 1 (the MobileNet down-sampling depthwise), forward.
// Four outputs j..j+3 read source columns 2j−1..2j+7 of each row: two vectors split into even and
// odd lanes by shuffles, the −1 column shifted in from the vector before; the last block reads
// only columns inside the row (zeros beyond), the first shifts in the left padding.

/** True when planeCorrelate3x3s2 handles the call. */
@inline export function is3x3s2p1(KH: i32, KW: i32, SH: i32, SW: i32, PW: i32, DH: i32, DW: i32,
                                  SRC_W: i32, OW: i32, flip: bool): bool {
  return KH == 3 && KW == 3 && SH == 2 && SW == 2 && DH == 1 && DW == 1 && PW == 1 && !flip &&
    SRC_W >= 8 && OW == ((SRC_W - 1) >> 1) + 1;
}

// Up to four floats at ptr (n ≤ 0: none), zeros above.
// @ts-ignore: decorator
@inline export function loadUpTo(ptr: usize, n: i32): v128 {
  if (n >= 4) return v128.load(ptr);
  if (n <= 0) return f32x4.splat(0);
  return loadPartial(ptr, n);
}

// Block kinds for stride 2: S2_LEFT (j = 0), S2_INNER (2j + 8 ≤ W), S2_TAIL (the rest, n = W − 2j columns).
const S2_INNER = 0;
const S2_LEFT = 1;
const S2_TAIL = 2;

// t0·row[2j−1, 2j+1, ..] + t1·row[2j, 2j+2, ..] + t2·row[2j+1, 2j+3, ..]; o = 8j bytes, n = W − 2j.
// @ts-ignore: decorator
@inline function rowTermS2(kind: i32, r: usize, o: usize, n: i32, t0: v128, t1: v128, t2: v128): v128 {
  let a: v128, b: v128;
  if (kind == S2_TAIL) { a = loadUpTo(r + o, n); b = loadUpTo(r + o + 16, n - 4); }
  else { a = v128.load(r + o); b = v128.load(r + o, 16); }
  const ev = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
  const od = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  const prev = kind == S2_LEFT ? f32x4.splat(0) : v128.load(r + o - 16);
  const lo = v128.shuffle<f32>(prev, od, 3, 4, 5, 6);
  return madd(t2, od, madd(t1, ev, f32x4.mul(t0, lo)));
}

// @ts-ignore: decorator
@inline function blockS2(
  kind: i32, r0: usize, r1: usize, r2: usize, has0: bool, has1: bool, has2: bool,
  d: usize, j: i32, n: i32, cnt: i32, b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  // n = W − 2j source columns left, cnt = OW − j outputs left (≥ 4 unless S2_TAIL; constants there).
  const o = <usize>j << 3, dOff = d + (<usize>j << 2);
  let acc = b4;
  if (accumulate) acc = kind == S2_TAIL ? loadUpTo(dOff, cnt) : v128.load(dOff);
  if (has0 && has1 && has2) {
    const s0 = rowTermS2(kind, r0, o, n, t00, t01, t02);
    const s1 = rowTermS2(kind, r1, o, n, t10, t11, t12);
    const s2 = rowTermS2(kind, r2, o, n, t20, t21, t22);
    acc = f32x4.add(f32x4.add(acc, s0), f32x4.add(s1, s2));
  } else {
    if (has0) acc = f32x4.add(acc, rowTermS2(kind, r0, o, n, t00, t01, t02));
    if (has1) acc = f32x4.add(acc, rowTermS2(kind, r1, o, n, t10, t11, t12));
    if (has2) acc = f32x4.add(acc, rowTermS2(kind, r2, o, n, t20, t21, t22));
  }
  if (kind == S2_TAIL && cnt < 4) storePartial(dOff, acc, cnt); else v128.store(dOff, acc);
}

// One output row: the left block, inner blocks j in [4, jT), a tail of cnt outputs (n source
// columns) at jT when cnt > 0 — jT, cnt, n fixed per plane, cnt and n constants per instantiation.
// @ts-ignore: decorator
@inline function rowS2(
  r0: usize, r1: usize, r2: usize, has0: bool, has1: bool, has2: bool, d: usize, jT: i32, cnt: i32, n: i32,
  b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  blockS2(S2_LEFT, r0, r1, r2, has0, has1, has2, d, 0, 8, 4, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  for (let j = 4; j < jT; j += 4) {
    blockS2(S2_INNER, r0, r1, r2, has0, has1, has2, d, j, 8, 4, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
  if (cnt > 0) {
    blockS2(S2_TAIL, r0, r1, r2, has0, has1, has2, d, jT, n, cnt, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
  }
}

// @ts-ignore: decorator
@inline function correlate3x3s2Rows(
  jT: i32, cnt: i32, n: i32, src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  const t00 = f32x4.splat(load<f32>(taps)), t01 = f32x4.splat(load<f32>(taps, 4));
  const t02 = f32x4.splat(load<f32>(taps, 8)), t10 = f32x4.splat(load<f32>(taps, 12));
  const t11 = f32x4.splat(load<f32>(taps, 16)), t12 = f32x4.splat(load<f32>(taps, 20));
  const t20 = f32x4.splat(load<f32>(taps, 24)), t21 = f32x4.splat(load<f32>(taps, 28));
  const t22 = f32x4.splat(load<f32>(taps, 32));
  const b4 = f32x4.splat(bias);
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const top = 2 * i - PH;
    const r0 = src + <usize>(top * W) * 4;
    const r1 = r0 + rowBytes, r2 = r1 + rowBytes;
    const d = dst + <usize>(i * OW) * 4;
    const has0 = top >= 0 && top < SRC_H, has1 = top + 1 >= 0 && top + 1 < SRC_H;
    const has2 = top + 2 >= 0 && top + 2 < SRC_H;
    if (has0 && has2 && !accumulate) {
      rowS2(r0, r1, r2, true, true, true, d, jT, cnt, n, b4, false, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    } else if (!has0 && has1 && has2 && !accumulate) { // top row, PH = 1
      rowS2(r0, r1, r2, false, true, true, d, jT, cnt, n, b4, false, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    } else {
      rowS2Any(r0, r1, r2, has0, has1, has2, d, jT, cnt, n, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
    }
  }
}

// Border rows (a source row outside the plane) and accumulating calls: one out-of-line copy with
// the tail widths at run time.
function rowS2Any(
  r0: usize, r1: usize, r2: usize, has0: bool, has1: bool, has2: bool, d: usize, jT: i32, cnt: i32, n: i32,
  b4: v128, accumulate: bool,
  t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128, t20: v128, t21: v128, t22: v128,
): void {
  rowS2(r0, r1, r2, has0, has1, has2, d, jT, cnt, n, b4, accumulate, t00, t01, t02, t10, t11, t12, t20, t21, t22);
}

/** planeCorrelate for is3x3s2p1 (any PH). */
export function planeCorrelate3x3s2(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  // Inner blocks while j + 4 ≤ OW and 2j + 8 ≤ W; OW = ⌈W/2⌉ leaves cnt ≤ 4 outputs and
  // n = 2·cnt − (W & 1) source columns, picked once per plane so the tail's partial loads are constants.
  let jT = 4;
  while (jT + 4 <= OW && 2 * jT + 8 <= W) jT += 4;
  const cnt = OW - jT;
  if (W & 1) {
    if (cnt == 1) correlate3x3s2Rows(jT, 1, 1, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 2) correlate3x3s2Rows(jT, 2, 3, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 3) correlate3x3s2Rows(jT, 3, 5, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 4) correlate3x3s2Rows(jT, 4, 7, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else correlate3x3s2Rows(jT, 0, 0, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
  } else {
    if (cnt == 1) correlate3x3s2Rows(jT, 1, 2, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 2) correlate3x3s2Rows(jT, 2, 4, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 3) correlate3x3s2Rows(jT, 3, 6, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 4) correlate3x3s2Rows(jT, 4, 8, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else correlate3x3s2Rows(jT, 0, 0, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
  }
}

// Scalar build, 3×3 stride 2: per source row in range, output j reads columns 2j−1, 2j, 2j+1 with
// column 2j−1 carried over from the previous output (two loads per output and row).
function planeCorrelate3x3s2Scalar(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  // Outputs whose column 2j+1 is inside the row; an odd W leaves the last one to the epilogue.
  const jFull = min(OW, W >> 1);
  for (let i = 0; i < OH; i++) {
    const d = dst + <usize>(i * OW) * 4;
    let first = !accumulate;
    for (let u = 0; u < 3; u++) {
      const row = 2 * i - PH + u;
      if (row < 0 || row >= SRC_H) continue;
      const r = src + <usize>row * rowBytes;
      const tr = taps + <usize>(u * 12);
      const a = load<f32>(tr), b = load<f32>(tr, 4), c = load<f32>(tr, 8);
      let xl: f32 = 0;
      for (let j = 0; j < jFull; j++) {
        const p = r + (<usize>j << 3);
        const xc = load<f32>(p), xr = load<f32>(p, 4);
        const q = d + (<usize>j << 2);
        store<f32>(q, (first ? bias : load<f32>(q)) + (a * xl + b * xc + c * xr));
        xl = xr;
      }
      if (jFull < OW) {
        const q = d + (<usize>jFull << 2);
        store<f32>(q, (first ? bias : load<f32>(q)) + (a * xl + b * load<f32>(r + (<usize>jFull << 3))));
      }
      first = false;
    }
    if (first) for (let j = 0; j < OW; j++) store<f32>(d + (<usize>j << 2), bias);
  }
}
