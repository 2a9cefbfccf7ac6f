// 3×3, stride 2, dilation 1, column padding 1 (is3x3s2p1): backward data and weight gradient of one
// plane. The forward is planeCorrelate3x3s2 in depthwise_plane.ts.
//
// Backward data as a gather, written once (no scatter-add): with x column c = 2j − 1 + v, an even
// column 2m receives only tap v = 1 from dy column m, an odd column 2m + 1 receives v = 0 from
// dy column m + 1 and v = 2 from dy column m. Likewise rows: x row r = 2i − PH + u receives tap
// row 1 from dy row (r + PH − 1)/2 when r + PH is odd, tap rows 0 and 2 from dy rows (r + PH)/2 and
// (r + PH)/2 − 1 when it is even. Four dy columns give eight x columns: even lanes E, odd lanes O,
// interleaved by two shuffles.
//
// Weight gradient: the x rows 2i − PH + u are split into even/odd columns by shuffles as in the
// forward (column 2j − 1 shifted in from the vector before), one output row at a time. Kernel rows
// 0 and 2 read the same x rows (2k − PH for dy rows k and k − 1), so one pass serves both with six
// accumulators and one de-interleave per x block (144 @56, N = 1: 0.086 -> 0.074 ms); row 1 is a
// second pass with three. (Two dy rows per step into six accumulators spilled in V8: 14.6 vs 20.1
// GFLOP/s; one pass over all nine taps spilled too: 0.086 -> 0.109 ms.)

import { loadUpTo, rangeHi, rangeLo, storePartial } from "./depthwise_plane";
import { madd } from "../simd/madd";

// Up to four floats at ptr (n ≤ 0: none).
// @ts-ignore: decorator
@inline function storeUpTo(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(ptr, v);
  else if (n > 0) storePartial(ptr, v, n);
}

// Eight x columns 2m..2m+7 of row d from dy columns m..m+4 of rows g0 (taps a0 b0 c0) and, when
// `two`, g1 (taps a1 b1 c1). TAIL: only W − 2m columns exist, only OW − m dy columns.
// @ts-ignore: decorator
@inline function gatherBlock(
  tail: bool, two: bool, accumulate: bool, d: usize, g0: usize, g1: usize, m: i32, cnt: i32, n: i32,
  a0: v128, b0: v128, c0: v128, a1: v128, b1: v128, c1: v128,
): void {
  const go = <usize>m << 2, dOff = d + (<usize>m << 3);
  let D: v128, D1: v128;
  if (tail) { D = loadUpTo(g0 + go, cnt); D1 = loadUpTo(g0 + go + 4, cnt - 1); }
  else { D = v128.load(g0 + go); D1 = v128.load(g0 + go, 4); }
  let E = f32x4.mul(b0, D);
  let O = madd(a0, D1, f32x4.mul(c0, D));
  if (two) {
    let F: v128, F1: v128;
    if (tail) { F = loadUpTo(g1 + go, cnt); F1 = loadUpTo(g1 + go + 4, cnt - 1); }
    else { F = v128.load(g1 + go); F1 = v128.load(g1 + go, 4); }
    E = madd(b1, F, E);
    O = madd(a1, F1, madd(c1, F, O));
  }
  let lo = v128.shuffle<f32>(E, O, 0, 4, 1, 5);
  let hi = v128.shuffle<f32>(E, O, 2, 6, 3, 7);
  if (tail) {
    if (accumulate) { lo = f32x4.add(loadUpTo(dOff, n), lo); hi = f32x4.add(loadUpTo(dOff + 16, n - 4), hi); }
    storeUpTo(dOff, lo, n);
    storeUpTo(dOff + 16, hi, n - 4);
  } else {
    if (accumulate) { lo = f32x4.add(v128.load(dOff), lo); hi = f32x4.add(v128.load(dOff, 16), hi); }
    v128.store(dOff, lo);
    v128.store(dOff, hi, 16);
  }
}

// @ts-ignore: decorator
@inline function gatherRow(
  two: bool, accumulate: bool, d: usize, g0: usize, g1: usize, W: i32, OW: i32,
  a0: v128, b0: v128, c0: v128, a1: v128, b1: v128, c1: v128,
): void {
  let m = 0;
  // Full blocks: dy columns m..m+4 and x columns 2m..2m+7 inside their rows.
  for (; m + 5 <= OW && 2 * m + 8 <= W; m += 4) {
    gatherBlock(false, two, accumulate, d, g0, g1, m, 4, 8, a0, b0, c0, a1, b1, c1);
  }
  // OW = ⌈W/2⌉: what is left is one block of < 8 x columns or ≤ 4 dy columns: cnt = OW − m dy
  // columns, 2·cnt − (W & 1) x columns, picked by one branch so the partial loads are constants.
  const cnt = OW - m;
  if (W & 1) {
    if (cnt == 1) gatherBlock(true, two, accumulate, d, g0, g1, m, 1, 1, a0, b0, c0, a1, b1, c1);
    else if (cnt == 2) gatherBlock(true, two, accumulate, d, g0, g1, m, 2, 3, a0, b0, c0, a1, b1, c1);
    else if (cnt == 3) gatherBlock(true, two, accumulate, d, g0, g1, m, 3, 5, a0, b0, c0, a1, b1, c1);
    else if (cnt == 4) gatherBlock(true, two, accumulate, d, g0, g1, m, 4, 7, a0, b0, c0, a1, b1, c1);
  } else {
    if (cnt == 1) gatherBlock(true, two, accumulate, d, g0, g1, m, 1, 2, a0, b0, c0, a1, b1, c1);
    else if (cnt == 2) gatherBlock(true, two, accumulate, d, g0, g1, m, 2, 4, a0, b0, c0, a1, b1, c1);
    else if (cnt == 3) gatherBlock(true, two, accumulate, d, g0, g1, m, 3, 6, a0, b0, c0, a1, b1, c1);
    else if (cnt == 4) gatherBlock(true, two, accumulate, d, g0, g1, m, 4, 8, a0, b0, c0, a1, b1, c1);
  }
}

/**
 * dx (+)= conv_transpose(dy, taps) for is3x3s2p1 (any PH): dx is H × W, dy OH × OW with
 * OW = ⌈W/2⌉. Overwrites dx unless `accumulate`.
 */
export function planeGather3x3s2(
  dy: usize, OH: i32, OW: i32, dx: usize, H: i32, W: i32, taps: usize, PH: i32, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeGather3x3s2Scalar(dy, OH, OW, dx, H, W, taps, PH, accumulate);
    return;
  }
  const a0 = f32x4.splat(load<f32>(taps)), b0 = f32x4.splat(load<f32>(taps, 4));
  const c0 = f32x4.splat(load<f32>(taps, 8)), a1 = f32x4.splat(load<f32>(taps, 12));
  const b1 = f32x4.splat(load<f32>(taps, 16)), c1 = f32x4.splat(load<f32>(taps, 20));
  const a2 = f32x4.splat(load<f32>(taps, 24)), b2 = f32x4.splat(load<f32>(taps, 28));
  const c2 = f32x4.splat(load<f32>(taps, 32));
  const gBytes = <usize>OW << 2, dBytes = <usize>W << 2;
  for (let r = 0; r < H; r++) {
    const d = dx + <usize>r * dBytes;
    const t = r + PH;
    if (t & 1) {
      const i = t >> 1; // tap row 1
      const g = dy + <usize>i * gBytes;
      if (i < OH) {
        if (accumulate) gatherRow(false, true, d, g, g, W, OW, a1, b1, c1, a1, b1, c1);
        else gatherRow(false, false, d, g, g, W, OW, a1, b1, c1, a1, b1, c1);
      } else if (!accumulate) memory.fill(d, 0, dBytes);
    } else {
      const i = t >> 1; // tap row 0 from dy row i, tap row 2 from dy row i − 1
      const g = dy + <usize>i * gBytes;
      const hasA = i < OH, hasB = i >= 1 && i - 1 < OH;
      if (hasA && hasB) {
        if (accumulate) gatherRow(true, true, d, g, g - gBytes, W, OW, a0, b0, c0, a2, b2, c2);
        else gatherRow(true, false, d, g, g - gBytes, W, OW, a0, b0, c0, a2, b2, c2);
      } else if (hasA) {
        gatherRow(false, accumulate, d, g, g, W, OW, a0, b0, c0, a0, b0, c0);
      } else if (hasB) {
        gatherRow(false, accumulate, d, g - gBytes, g, W, OW, a2, b2, c2, a2, b2, c2);
      } else if (!accumulate) memory.fill(d, 0, dBytes);
    }
  }
}

// Scalar build: x columns 2m, 2m+1 per dy column m, dy column m + 1 carried to the next step.
// @ts-ignore: decorator
@inline function gatherRowScalar(
  two: bool, accumulate: bool, d: usize, g0: usize, g1: usize, W: i32, OW: i32,
  a0: f32, b0: f32, c0: f32, a1: f32, b1: f32, c1: f32,
): void {
  let p = load<f32>(g0), q: f32 = two ? load<f32>(g1) : 0;
  const last = OW - 1;
  for (let m = 0; m < last; m++) {
    const go = <usize>m << 2, o = d + (<usize>m << 3);
    const pn = load<f32>(g0 + go, 4);
    let e = b0 * p, od = c0 * p + a0 * pn;
    let qn: f32 = 0;
    if (two) { qn = load<f32>(g1 + go, 4); e += b1 * q; od += c1 * q + a1 * qn; }
    if (accumulate) { e += load<f32>(o); od += load<f32>(o, 4); }
    store<f32>(o, e); store<f32>(o, od, 4);
    p = pn; q = qn;
  }
  // Last dy column: x column 2·last always, 2·last + 1 when W is even (dy column OW reads 0).
  const o = d + (<usize>last << 3);
  let e = b0 * p, od = c0 * p;
  if (two) { e += b1 * q; od += c1 * q; }
  if (accumulate) e += load<f32>(o);
  store<f32>(o, e);
  if (2 * last + 1 < W) {
    if (accumulate) od += load<f32>(o, 4);
    store<f32>(o, od, 4);
  }
}

function planeGather3x3s2Scalar(
  dy: usize, OH: i32, OW: i32, dx: usize, H: i32, W: i32, taps: usize, PH: i32, accumulate: bool,
): void {
  const a0 = load<f32>(taps), b0 = load<f32>(taps, 4), c0 = load<f32>(taps, 8);
  const a1 = load<f32>(taps, 12), b1 = load<f32>(taps, 16), c1 = load<f32>(taps, 20);
  const a2 = load<f32>(taps, 24), b2 = load<f32>(taps, 28), c2 = load<f32>(taps, 32);
  const gBytes = <usize>OW << 2, dBytes = <usize>W << 2;
  for (let r = 0; r < H; r++) {
    const d = dx + <usize>r * dBytes;
    const t = r + PH, i = t >> 1;
    const g = dy + <usize>i * gBytes;
    if (t & 1) {
      if (i < OH) gatherRowScalar(false, accumulate, d, g, g, W, OW, a1, b1, c1, a1, b1, c1);
      else if (!accumulate) memory.fill(d, 0, dBytes);
    } else {
      const hasA = i < OH, hasB = i >= 1 && i - 1 < OH;
      if (hasA && hasB) gatherRowScalar(true, accumulate, d, g, g - gBytes, W, OW, a0, b0, c0, a2, b2, c2);
      else if (hasA) gatherRowScalar(false, accumulate, d, g, g, W, OW, a0, b0, c0, a0, b0, c0);
      else if (hasB) gatherRowScalar(false, accumulate, d, g - gBytes, g, W, OW, a2, b2, c2, a2, b2, c2);
      else if (!accumulate) memory.fill(d, 0, dBytes);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Weight gradient.

const WG_LEFT = 0;  // j = 0: column −1 is padding
const WG_INNER = 1; // 2j + 8 ≤ W, j + 4 ≤ OW
const WG_TAIL = 2;  // the rest: W − 2j x columns, OW − j dy columns

// x columns 2j..2j+3 / 2j+4..2j+7 / 2j−4..2j−1 of the row at r (o = 8j bytes, n = W − 2j).
// @ts-ignore: decorator
@inline function xA(kind: i32, r: usize, o: usize, n: i32): v128 {
  return kind == WG_TAIL ? loadUpTo(r + o, n) : v128.load(r + o);
}
// @ts-ignore: decorator
@inline function xB(kind: i32, r: usize, o: usize, n: i32): v128 {
  return kind == WG_TAIL ? loadUpTo(r + o + 16, n - 4) : v128.load(r + o, 16);
}
// @ts-ignore: decorator
@inline function xP(kind: i32, r: usize, o: usize): v128 {
  return kind == WG_LEFT ? f32x4.splat(0) : v128.load(r + o - 16);
}
// @ts-ignore: decorator
@inline function gV(kind: i32, g: usize, j: i32, cnt: i32): v128 {
  return kind == WG_TAIL ? loadUpTo(g + (<usize>j << 2), cnt) : v128.load(g + (<usize>j << 2));
}

// @ts-ignore: decorator
@inline function hsum(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

// One kernel row u over every output row in range; the row tail (dy columns [jT, OW), cnt of them,
// n = 2·cnt − (W & 1) x columns; cnt = 0: none) has constant widths in each instantiation.
// @ts-ignore: decorator
@inline function weightGradPass3x3s2(
  u: i32, jT: i32, cnt: i32, n: i32, x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32,
  dw: usize, accumulate: bool,
): void {
  const xBytes = <usize>W << 2, gBytes = <usize>OW << 2;
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z;
  const iLo = rangeLo(u - PH, 2, OH), iHi = rangeHi(u - PH, 2, OH, H);
  for (let i = iLo; i < iHi; i++) {
    const r = x + <usize>(2 * i - PH + u) * xBytes;
    const g = g0 + <usize>i * gBytes;
    {
      const G = gV(WG_LEFT, g, 0, 4);
      const A = xA(WG_LEFT, r, 0, 8), B = xB(WG_LEFT, r, 0, 8), P = xP(WG_LEFT, r, 0);
      const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
      a0 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a0);
      a1 = madd(G, v128.shuffle<f32>(A, B, 0, 2, 4, 6), a1);
      a2 = madd(G, od, a2);
    }
    for (let j = 4; j < jT; j += 4) {
      const o = <usize>j << 3;
      const G = gV(WG_INNER, g, j, 4);
      const A = xA(WG_INNER, r, o, 8), B = xB(WG_INNER, r, o, 8), P = xP(WG_INNER, r, o);
      const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
      a0 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a0);
      a1 = madd(G, v128.shuffle<f32>(A, B, 0, 2, 4, 6), a1);
      a2 = madd(G, od, a2);
    }
    if (cnt > 0) {
      const o = <usize>jT << 3;
      const G = gV(WG_TAIL, g, jT, cnt);
      const A = xA(WG_TAIL, r, o, n), B = xB(WG_TAIL, r, o, n), P = xP(WG_TAIL, r, o);
      const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
      a0 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a0);
      a1 = madd(G, v128.shuffle<f32>(A, B, 0, 2, 4, 6), a1);
      a2 = madd(G, od, a2);
    }
  }
  const d = dw + <usize>(u * 12);
  let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2);
  if (accumulate) { s0 += load<f32>(d); s1 += load<f32>(d, 4); s2 += load<f32>(d, 8); }
  store<f32>(d, s0); store<f32>(d, s1, 4); store<f32>(d, s2, 8);
}

// Kernel rows 0 and 2 in one pass: x row 2k − PH is row 0's source for dy row k and row 2's for dy
// row k − 1, so each x block is loaded and split into even/odd lanes once for six products (the
// per-u passes did it twice). Each accumulator still adds the same products in the same order.
// @ts-ignore: decorator
@inline function weightGradPass02(
  jT: i32, cnt: i32, n: i32, x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32,
  dw: usize, accumulate: bool,
): void {
  const xBytes = <usize>W << 2, gBytes = <usize>OW << 2;
  const z = f32x4.splat(0);
  let p0 = z, p1 = z, p2 = z, q0 = z, q1 = z, q2 = z;
  const lo0 = rangeLo(-PH, 2, OH), hi0 = rangeHi(-PH, 2, OH, H);
  const lo2 = rangeLo(2 - PH, 2, OH), hi2 = rangeHi(2 - PH, 2, OH, H);
  const kLo = lo0 < hi0 ? (lo2 < hi2 ? min(lo0, lo2 + 1) : lo0) : lo2 + 1;
  const kHi = lo0 < hi0 ? (lo2 < hi2 ? max(hi0, hi2 + 1) : hi0) : hi2 + 1;
  for (let k = kLo; k < kHi; k++) {
    const r = x + <usize>(2 * k - PH) * xBytes;
    const g = g0 + <usize>k * gBytes;
    const has0 = k >= lo0 && k < hi0, has2 = k - 1 >= lo2 && k - 1 < hi2;
    if (has0 && has2) {
      {
        const G0 = gV(WG_LEFT, g, 0, 4);
        const G2 = gV(WG_LEFT, g - gBytes, 0, 4);
        const A = xA(WG_LEFT, r, 0, 8), B = xB(WG_LEFT, r, 0, 8), P = xP(WG_LEFT, r, 0);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
      for (let j = 4; j < jT; j += 4) {
        const o = <usize>j << 3;
        const G0 = gV(WG_INNER, g, j, 4);
        const G2 = gV(WG_INNER, g - gBytes, j, 4);
        const A = xA(WG_INNER, r, o, 8), B = xB(WG_INNER, r, o, 8), P = xP(WG_INNER, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
      if (cnt > 0) {
        const o = <usize>jT << 3;
        const G0 = gV(WG_TAIL, g, jT, cnt);
        const G2 = gV(WG_TAIL, g - gBytes, jT, cnt);
        const A = xA(WG_TAIL, r, o, n), B = xB(WG_TAIL, r, o, n), P = xP(WG_TAIL, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
    } else if (has0) {
      {
        const G0 = gV(WG_LEFT, g, 0, 4);
        const A = xA(WG_LEFT, r, 0, 8), B = xB(WG_LEFT, r, 0, 8), P = xP(WG_LEFT, r, 0);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
      }
      for (let j = 4; j < jT; j += 4) {
        const o = <usize>j << 3;
        const G0 = gV(WG_INNER, g, j, 4);
        const A = xA(WG_INNER, r, o, 8), B = xB(WG_INNER, r, o, 8), P = xP(WG_INNER, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
      }
      if (cnt > 0) {
        const o = <usize>jT << 3;
        const G0 = gV(WG_TAIL, g, jT, cnt);
        const A = xA(WG_TAIL, r, o, n), B = xB(WG_TAIL, r, o, n), P = xP(WG_TAIL, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        p0 = madd(G0, lo, p0); p1 = madd(G0, ev, p1); p2 = madd(G0, od, p2);
      }
    } else if (has2) {
      {
        const G2 = gV(WG_LEFT, g - gBytes, 0, 4);
        const A = xA(WG_LEFT, r, 0, 8), B = xB(WG_LEFT, r, 0, 8), P = xP(WG_LEFT, r, 0);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
      for (let j = 4; j < jT; j += 4) {
        const o = <usize>j << 3;
        const G2 = gV(WG_INNER, g - gBytes, j, 4);
        const A = xA(WG_INNER, r, o, 8), B = xB(WG_INNER, r, o, 8), P = xP(WG_INNER, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
      if (cnt > 0) {
        const o = <usize>jT << 3;
        const G2 = gV(WG_TAIL, g - gBytes, jT, cnt);
        const A = xA(WG_TAIL, r, o, n), B = xB(WG_TAIL, r, o, n), P = xP(WG_TAIL, r, o);
        const od = v128.shuffle<f32>(A, B, 1, 3, 5, 7), ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6);
        const lo = v128.shuffle<f32>(P, od, 3, 4, 5, 6);
        q0 = madd(G2, lo, q0); q1 = madd(G2, ev, q1); q2 = madd(G2, od, q2);
      }
    }
  }
  let s0 = hsum(p0), s1 = hsum(p1), s2 = hsum(p2), t0 = hsum(q0), t1 = hsum(q1), t2 = hsum(q2);
  if (accumulate) {
    s0 += load<f32>(dw); s1 += load<f32>(dw, 4); s2 += load<f32>(dw, 8);
    t0 += load<f32>(dw, 24); t1 += load<f32>(dw, 28); t2 += load<f32>(dw, 32);
  }
  store<f32>(dw, s0); store<f32>(dw, s1, 4); store<f32>(dw, s2, 8);
  store<f32>(dw, t0, 24); store<f32>(dw, t1, 28); store<f32>(dw, t2, 32);
}

// @ts-ignore: decorator
@inline function weightGrad3x3s2(
  jT: i32, cnt: i32, n: i32, x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32,
  dw: usize, accumulate: bool,
): void {
  weightGradPass02(jT, cnt, n, x, H, W, g0, OH, OW, PH, dw, accumulate);
  weightGradPass3x3s2(1, jT, cnt, n, x, H, W, g0, OH, OW, PH, dw, accumulate);
}

/**
 * Weight gradient of one plane for is3x3s2p1 (any PH): dw[u,v] (+)= Σ g[i,j] · x[2i − PH + u, 2j − 1 + v]
 * (out-of-range x reads 0).
 */
export function planeWeightGrad3x3s2(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeWeightGrad3x3s2Scalar(x, H, W, g0, OH, OW, PH, dw, accumulate);
    return;
  }
  // Full blocks j ≥ 4 while j + 4 ≤ OW and 2j + 8 ≤ W; OW = ⌈W/2⌉ leaves ≤ 4 dy columns after them.
  let jT = 4;
  while (jT + 4 <= OW && 2 * jT + 8 <= W) jT += 4;
  const cnt = OW - jT;
  if (W & 1) {
    if (cnt == 1) weightGrad3x3s2(jT, 1, 1, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 2) weightGrad3x3s2(jT, 2, 3, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 3) weightGrad3x3s2(jT, 3, 5, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 4) weightGrad3x3s2(jT, 4, 7, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else weightGrad3x3s2(jT, 0, 0, x, H, W, g0, OH, OW, PH, dw, accumulate);
  } else {
    if (cnt == 1) weightGrad3x3s2(jT, 1, 2, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 2) weightGrad3x3s2(jT, 2, 4, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 3) weightGrad3x3s2(jT, 3, 6, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else if (cnt == 4) weightGrad3x3s2(jT, 4, 8, x, H, W, g0, OH, OW, PH, dw, accumulate);
    else weightGrad3x3s2(jT, 0, 0, x, H, W, g0, OH, OW, PH, dw, accumulate);
  }
}

// Scalar build: per x row in range, output j reads columns 2j − 1, 2j, 2j + 1, with 2j − 1
// carried over from the previous output.
function planeWeightGrad3x3s2Scalar(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  const xBytes = <usize>W << 2, gBytes = <usize>OW << 2;
  const jFull = min(OW, W >> 1); // outputs whose column 2j + 1 is inside the row
  for (let u = 0; u < 3; u++) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0;
    const iLo = rangeLo(u - PH, 2, OH), iHi = rangeHi(u - PH, 2, OH, H);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(2 * i - PH + u) * xBytes;
      const g = g0 + <usize>i * gBytes;
      let xl: f32 = 0;
      for (let j = 0; j < jFull; j++) {
        const p = r + (<usize>j << 3);
        const gv = load<f32>(g + (<usize>j << 2));
        const xc = load<f32>(p), xr = load<f32>(p, 4);
        s0 += gv * xl; s1 += gv * xc; s2 += gv * xr;
        xl = xr;
      }
      if (jFull < OW) {
        const gv = load<f32>(g + (<usize>jFull << 2));
        s0 += gv * xl; s1 += gv * load<f32>(r + (<usize>jFull << 3));
      }
    }
    const d = dw + <usize>(u * 12);
    if (accumulate) { s0 += load<f32>(d); s1 += load<f32>(d, 4); s2 += load<f32>(d, 8); }
    store<f32>(d, s0); store<f32>(d, s1, 4); store<f32>(d, s2, 8);
  }
}
