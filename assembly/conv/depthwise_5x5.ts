// 5×5 depthwise planes (MobileNetV3 / EfficientNet), dilation 1, column padding 2 (scalar builds:
// depthwise_5x5_scalar.ts):
// stride 1 (forward, and backward data as the flipped correlation) and stride 2 (forward, backward
// data as a gather by column parity, weight gradients of both).
//
// 25 splatted taps don't fit V8's 15 vector registers, so the correlations make one pass over an
// output row per pair of kernel rows (ten taps live), adding into the row after the first pass; the
// weight gradients make one pass per kernel row with five accumulators. Blocks are four output
// columns; the first block shifts the left padding in, blocks reaching past the row end read zeros
// there (partial loads) and store only the columns inside, so nothing is read or written outside
// the rows and no column is computed one lane at a time.

import { loadUpTo, rangeHi, rangeLo, storePartial } from "./depthwise_plane";
import { madd } from "../simd/madd";
import {
  planeCorrelate5x5Scalar, planeCorrelate5x5s2Scalar, planeGather5x5s2Scalar, planeWeightGrad5x5Scalar,
  planeWeightGrad5x5s2Scalar,
} from "./depthwise_5x5_scalar";

/** True when the 5×5 stride-1 plane kernels handle the call (scalar builds: depthwise_5x5_scalar.ts). */
// @ts-ignore: decorator
@inline export function is5x5s1p2(KH: i32, KW: i32, SH: i32, SW: i32, PW: i32, DH: i32, DW: i32,
                                  SRC_W: i32, OW: i32): bool {
  return KH == 5 && KW == 5 && SH == 1 && SW == 1 && DH == 1 && DW == 1 && PW == 2 &&
    OW == SRC_W && SRC_W >= 8;
}

/** True when the 5×5 stride-2 plane kernels handle the call (never flipped; scalar builds: depthwise_5x5_scalar.ts). */
// @ts-ignore: decorator
@inline export function is5x5s2p2(KH: i32, KW: i32, SH: i32, SW: i32, PW: i32, DH: i32, DW: i32,
                                  SRC_W: i32, OW: i32, flip: bool): bool {
  return KH == 5 && KW == 5 && SH == 2 && SW == 2 && DH == 1 && DW == 1 && PW == 2 &&
    !flip && SRC_W >= 9 && OW == ((SRC_W - 1) >> 1) + 1;
}

// @ts-ignore: decorator
@inline function storeUpTo(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(ptr, v);
  else if (n > 0) storePartial(ptr, v, n);
}

// @ts-ignore: decorator
@inline function tap(taps: usize, flip: bool, u: i32, v: i32): v128 {
  return v128.load32_splat(taps + (<usize>(flip ? 24 - (u * 5 + v) : u * 5 + v) << 2));
}

// @ts-ignore: decorator
@inline function hsum(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

// ---------------------------------------------------------------------------------------------
// Stride 1. Block kinds for columns [j, j+4): LEFT j = 0, INNER 4 ≤ j, j + 6 ≤ W, RIGHT the rest.

const LEFT = 0;
const INNER = 1;
const RIGHT = 2;

// Columns j+k .. j+k+3 (k = −2..2) of the row at r, zeros outside [0, W); c = W − j (RIGHT only).
// @ts-ignore: decorator
@inline function cols(kind: i32, r: usize, j: i32, k: i32, c: i32): v128 {
  if (kind == LEFT) {
    if (k == -2) return v128.shuffle<f32>(f32x4.splat(0), v128.load(r), 0, 1, 4, 5);
    if (k == -1) return v128.shuffle<f32>(f32x4.splat(0), v128.load(r), 0, 4, 5, 6);
    return v128.load(r + (<usize>k << 2));
  }
  const s = j + k;
  const p = r + (<usize>s << 2);
  if (kind == RIGHT) return loadUpTo(p, c - k);
  return v128.load(p);
}

// t0·cols(−2) + … + t4·cols(2).
// @ts-ignore: decorator
@inline function term(kind: i32, r: usize, j: i32, c: i32, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128): v128 {
  let s = f32x4.mul(t0, cols(kind, r, j, -2, c));
  s = madd(t1, cols(kind, r, j, -1, c), s);
  s = madd(t2, cols(kind, r, j, 0, c), s);
  s = madd(t3, cols(kind, r, j, 1, c), s);
  return madd(t4, cols(kind, r, j, 2, c), s);
}

// @ts-ignore: decorator
@inline function block(
  kind: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, j: i32, c: i32, b4: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128,
): void {
  const o = d + (<usize>j << 2);
  let acc = b4;
  if (load) acc = kind == RIGHT ? loadUpTo(o, c) : v128.load(o);
  let s = term(kind, rA, j, c, p0, p1, p2, p3, p4);
  if (two) s = f32x4.add(s, term(kind, rB, j, c, q0, q1, q2, q3, q4));
  acc = f32x4.add(acc, s);
  if (kind == RIGHT) storeUpTo(o, acc, c); else v128.store(o, acc);
}

// A whole output row: left block, inner blocks while j + 6 ≤ W, then the last c = W − j ∈ {2, 3, 4, 5}
// columns (c ≡ W mod 4, fixed per plane and a constant per instantiation, so the right blocks'
// partial loads/stores have constant widths).
// @ts-ignore: decorator
@inline function row(
  c: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, b4: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128,
): void {
  block(LEFT, two, load, d, rA, rB, 0, 0, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  const jR = W - c;
  for (let j = 4; j < jR; j += 4) block(INNER, two, load, d, rA, rB, j, 0, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  if (c == 5) {
    block(RIGHT, two, load, d, rA, rB, jR, 5, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
    block(RIGHT, two, load, d, rA, rB, jR + 4, 1, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  } else {
    block(RIGHT, two, load, d, rA, rB, jR, c, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  }
}

// d[j] = (load ? d[j] : bias) + Σ_v p_v · rA[j − 2 + v] (+ Σ_v q_v · rB[j − 2 + v] when two).
// @ts-ignore: decorator
@inline function pass(
  c: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, bias: f32,
  taps: usize, flip: bool, u: i32,
): void {
  const p0 = tap(taps, flip, u, 0), p1 = tap(taps, flip, u, 1), p2 = tap(taps, flip, u, 2);
  const p3 = tap(taps, flip, u, 3), p4 = tap(taps, flip, u, 4);
  const b4 = f32x4.splat(bias);
  if (two) {
    const q0 = tap(taps, flip, u + 1, 0), q1 = tap(taps, flip, u + 1, 1), q2 = tap(taps, flip, u + 1, 2);
    const q3 = tap(taps, flip, u + 1, 3), q4 = tap(taps, flip, u + 1, 4);
    if (load) row(c, true, true, d, rA, rB, W, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
    else row(c, true, false, d, rA, rB, W, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  } else {
    if (load) row(c, false, true, d, rA, rA, W, b4, p0, p1, p2, p3, p4, p0, p1, p2, p3, p4);
    else row(c, false, false, d, rA, rA, W, b4, p0, p1, p2, p3, p4, p0, p1, p2, p3, p4);
  }
}

function pass2(two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, bias: f32, taps: usize, flip: bool, u: i32): void {
  pass(2, two, load, d, rA, rB, W, bias, taps, flip, u);
}
function pass3(two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, bias: f32, taps: usize, flip: bool, u: i32): void {
  pass(3, two, load, d, rA, rB, W, bias, taps, flip, u);
}
function pass4(two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, bias: f32, taps: usize, flip: bool, u: i32): void {
  pass(4, two, load, d, rA, rB, W, bias, taps, flip, u);
}
function pass5(two: bool, load: bool, d: usize, rA: usize, rB: usize, W: i32, bias: f32, taps: usize, flip: bool, u: i32): void {
  pass(5, two, load, d, rA, rB, W, bias, taps, flip, u);
}

/**
 * planeCorrelate for is5x5s1p2 (any PH): dst[i,j] = (accumulate ? dst : bias) + Σ tap(u,v) ·
 * src[i − PH + u, j − 2 + v], tap(u,v) = taps[u,v] or taps[4−u, 4−v] when flip.
 */
export function planeCorrelate5x5(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32,
  taps: usize, flip: bool, PH: i32, bias: f32, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeCorrelate5x5Scalar(src, SRC_H, W, dst, OH, taps, flip, PH, bias, accumulate);
    return;
  }
  const rowBytes = <usize>W << 2;
  const c = 2 + ((W + 2) & 3); // columns after the inner blocks: W ≡ 0, 1, 2, 3 → 4, 5, 2, 3
  for (let i = 0; i < OH; i++) {
    const top = i - PH;
    const d = dst + <usize>i * rowBytes;
    const uLo = max(0, -top), uHi = min(5, SRC_H - top);
    let load = accumulate;
    for (let u = uLo; u < uHi; u += 2) {
      const rA = src + <usize>(top + u) * rowBytes;
      if (c == 4) pass4(u + 1 < uHi, load, d, rA, rA + rowBytes, W, bias, taps, flip, u);
      else if (c == 5) pass5(u + 1 < uHi, load, d, rA, rA + rowBytes, W, bias, taps, flip, u);
      else if (c == 2) pass2(u + 1 < uHi, load, d, rA, rA + rowBytes, W, bias, taps, flip, u);
      else pass3(u + 1 < uHi, load, d, rA, rA + rowBytes, W, bias, taps, flip, u);
      load = true;
    }
    if (!load) for (let o: usize = 0; o < rowBytes; o += 4) store<f32>(d + o, bias);
  }
}

/** Weight gradient of one plane for is5x5s1p2 (any PH): dw[u,v] (+)= Σ g[i,j] · x[i − PH + u, j − 2 + v]. */
export function planeWeightGrad5x5(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeWeightGrad5x5Scalar(x, H, W, g0, OH, PH, dw, accumulate);
    return;
  }
  const rowBytes = <usize>W << 2;
  for (let u = 0; u < 5; u++) {
    const z = f32x4.splat(0);
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z;
    const iLo = max(0, PH - u), iHi = min(OH, H + PH - u);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(i - PH + u) * rowBytes;
      const g = g0 + <usize>i * rowBytes;
      {
        const G = v128.load(g);
        a0 = madd(G, cols(LEFT, r, 0, -2, 0), a0); a1 = madd(G, cols(LEFT, r, 0, -1, 0), a1);
        a2 = madd(G, cols(LEFT, r, 0, 0, 0), a2); a3 = madd(G, cols(LEFT, r, 0, 1, 0), a3);
        a4 = madd(G, cols(LEFT, r, 0, 2, 0), a4);
      }
      let j = 4;
      for (; j + 6 <= W; j += 4) {
        const G = v128.load(g + (<usize>j << 2));
        a0 = madd(G, cols(INNER, r, j, -2, 0), a0); a1 = madd(G, cols(INNER, r, j, -1, 0), a1);
        a2 = madd(G, cols(INNER, r, j, 0, 0), a2); a3 = madd(G, cols(INNER, r, j, 1, 0), a3);
        a4 = madd(G, cols(INNER, r, j, 2, 0), a4);
      }
      for (; j < W; j += 4) {
        const G = loadUpTo(g + (<usize>j << 2), W - j);
        a0 = madd(G, cols(RIGHT, r, j, -2, W - j), a0); a1 = madd(G, cols(RIGHT, r, j, -1, W - j), a1);
        a2 = madd(G, cols(RIGHT, r, j, 0, W - j), a2); a3 = madd(G, cols(RIGHT, r, j, 1, W - j), a3);
        a4 = madd(G, cols(RIGHT, r, j, 2, W - j), a4);
      }
    }
    weightGradOut5(dw + <usize>(u * 20), a0, a1, a2, a3, a4, accumulate);
  }
}

// @ts-ignore: decorator
@inline function weightGradOut5(d: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, accumulate: bool): void {
  let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3), s4 = hsum(a4);
  if (accumulate) {
    s0 += load<f32>(d); s1 += load<f32>(d, 4); s2 += load<f32>(d, 8); s3 += load<f32>(d, 12); s4 += load<f32>(d, 16);
  }
  store<f32>(d, s0); store<f32>(d, s1, 4); store<f32>(d, s2, 8); store<f32>(d, s3, 12); store<f32>(d, s4, 16);
}

// ---------------------------------------------------------------------------------------------
// Stride 2. Four outputs j..j+3 read source columns 2j−2 .. 2j+8: P = 2j−4.., A = 2j.., B = 2j+4..,
// N = column 2j+8; ev/od are the even/odd lanes of A:B, the ±1 shifted ones take a lane of P or N.
// Kinds: S2_LEFT j = 0 (P is padding), S2_INNER 2j + 9 ≤ W and j + 4 ≤ OW, S2_TAIL the rest
// (n = W − 2j source columns left).

const S2_LEFT = 0;
const S2_INNER = 1;
const S2_TAIL = 2;

// @ts-ignore: decorator
@inline function sA(kind: i32, r: usize, o: usize, n: i32): v128 {
  return kind == S2_TAIL ? loadUpTo(r + o, n) : v128.load(r + o);
}
// @ts-ignore: decorator
@inline function sB(kind: i32, r: usize, o: usize, n: i32): v128 {
  return kind == S2_TAIL ? loadUpTo(r + o + 16, n - 4) : v128.load(r + o, 16);
}
// @ts-ignore: decorator
@inline function sP(kind: i32, r: usize, o: usize): v128 {
  return kind == S2_LEFT ? f32x4.splat(0) : v128.load(r + o - 16);
}
// @ts-ignore: decorator
@inline function sN(kind: i32, r: usize, o: usize, n: i32): v128 {
  if (kind == S2_TAIL && n <= 8) return f32x4.splat(0);
  return v128.load32_zero(r + o + 32);
}

// t0·x[2j−2] + t1·x[2j−1] + t2·x[2j] + t3·x[2j+1] + t4·x[2j+2] for four j; o = 8j bytes.
// @ts-ignore: decorator
@inline function termS2(kind: i32, r: usize, o: usize, n: i32, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128): v128 {
  const A = sA(kind, r, o, n), B = sB(kind, r, o, n), P = sP(kind, r, o);
  const ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6), od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
  let s = f32x4.mul(t0, v128.shuffle<f32>(P, ev, 2, 4, 5, 6));
  s = madd(t1, v128.shuffle<f32>(P, od, 3, 4, 5, 6), s);
  s = madd(t2, ev, s);
  s = madd(t3, od, s);
  return madd(t4, v128.shuffle<f32>(ev, sN(kind, r, o, n), 1, 2, 3, 4), s);
}

// @ts-ignore: decorator
@inline function blockS2(
  kind: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, j: i32, n: i32, cnt: i32, b4: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128,
): void {
  // n = W − 2j source columns left, cnt = OW − j outputs left (constants in S2_TAIL).
  const o = <usize>j << 3, dOff = d + (<usize>j << 2);
  let acc = b4;
  if (load) acc = kind == S2_TAIL ? loadUpTo(dOff, cnt) : v128.load(dOff);
  let s = termS2(kind, rA, o, n, p0, p1, p2, p3, p4);
  if (two) s = f32x4.add(s, termS2(kind, rB, o, n, q0, q1, q2, q3, q4));
  acc = f32x4.add(acc, s);
  if (kind == S2_TAIL) storeUpTo(dOff, acc, cnt); else v128.store(dOff, acc);
}

// @ts-ignore: decorator
@inline function rowS2(
  jT: i32, cnt: i32, n: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, b4: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128,
): void {
  blockS2(S2_LEFT, two, load, d, rA, rB, 0, 8, 4, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  for (let j = 4; j < jT; j += 4) {
    blockS2(S2_INNER, two, load, d, rA, rB, j, 8, 4, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  }
  if (cnt > 0) blockS2(S2_TAIL, two, load, d, rA, rB, jT, n, cnt, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
}

// @ts-ignore: decorator
@inline function passS2(jT: i32, cnt: i32, n: i32, two: bool, load: bool, d: usize, rA: usize, rB: usize, bias: f32, taps: usize, u: i32): void {
  const p0 = tap(taps, false, u, 0), p1 = tap(taps, false, u, 1), p2 = tap(taps, false, u, 2);
  const p3 = tap(taps, false, u, 3), p4 = tap(taps, false, u, 4);
  const b4 = f32x4.splat(bias);
  if (two) {
    const q0 = tap(taps, false, u + 1, 0), q1 = tap(taps, false, u + 1, 1), q2 = tap(taps, false, u + 1, 2);
    const q3 = tap(taps, false, u + 1, 3), q4 = tap(taps, false, u + 1, 4);
    if (load) rowS2(jT, cnt, n, true, true, d, rA, rB, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
    else rowS2(jT, cnt, n, true, false, d, rA, rB, b4, p0, p1, p2, p3, p4, q0, q1, q2, q3, q4);
  } else {
    if (load) rowS2(jT, cnt, n, false, true, d, rA, rA, b4, p0, p1, p2, p3, p4, p0, p1, p2, p3, p4);
    else rowS2(jT, cnt, n, false, false, d, rA, rA, b4, p0, p1, p2, p3, p4, p0, p1, p2, p3, p4);
  }
}

// @ts-ignore: decorator
@inline function correlate5x5s2Rows(
  jT: i32, cnt: i32, n: i32, src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const top = 2 * i - PH;
    const d = dst + <usize>(i * OW) * 4;
    const uLo = max(0, -top), uHi = min(5, SRC_H - top);
    let load = accumulate;
    for (let u = uLo; u < uHi; u += 2) {
      const rA = src + <usize>(top + u) * rowBytes;
      passS2(jT, cnt, n, u + 1 < uHi, load, d, rA, rA + rowBytes, bias, taps, u);
      load = true;
    }
    if (!load) for (let j = 0; j < OW; j++) store<f32>(d + (<usize>j << 2), bias);
  }
}

/** planeCorrelate for is5x5s2p2 (any PH): dst[i,j] = (accumulate ? dst : bias) + Σ taps[u,v] · src[2i − PH + u, 2j − 2 + v]. */
export function planeCorrelate5x5s2(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeCorrelate5x5s2Scalar(src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    return;
  }
  // Inner blocks while j + 4 ≤ OW and 2j + 9 ≤ W; OW = ⌈W/2⌉ leaves cnt ≤ 4 outputs, n = 2·cnt − (W & 1)
  // source columns, picked once per plane so the tail's partial loads/stores are constants.
  let jT = 4;
  while (jT + 4 <= OW && 2 * jT + 9 <= W) jT += 4;
  const cnt = OW - jT;
  if (W & 1) {
    if (cnt == 1) correlate5x5s2Rows(jT, 1, 1, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 2) correlate5x5s2Rows(jT, 2, 3, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 3) correlate5x5s2Rows(jT, 3, 5, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else correlate5x5s2Rows(jT, 4, 7, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
  } else {
    if (cnt == 1) correlate5x5s2Rows(jT, 1, 2, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 2) correlate5x5s2Rows(jT, 2, 4, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 3) correlate5x5s2Rows(jT, 3, 6, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else if (cnt == 4) correlate5x5s2Rows(jT, 4, 8, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
    else correlate5x5s2Rows(jT, 0, 0, src, SRC_H, W, dst, OH, OW, taps, PH, bias, accumulate);
  }
}

// Backward data, stride 2, as a gather: x column c = 2j − 2 + v, so even column 2m takes taps
// v = 0, 2, 4 from dy columns m + 1, m, m − 1 and odd column 2m + 1 takes v = 1, 3 from m + 1, m.
// One pass per dy row feeding an x row (kernel rows u ≡ r + PH mod 2); four dy columns give eight
// x columns, interleaved from the even (E) and odd (O) lanes.

// @ts-ignore: decorator
@inline function gatherBlock(
  kind: i32, load: bool, d: usize, g: usize, m: i32, W: i32, OW: i32,
  t0: v128, t1: v128, t2: v128, t3: v128, t4: v128,
): void {
  const go = g + (<usize>m << 2), dOff = d + (<usize>m << 3);
  const cnt = OW - m, n = W - 2 * m;
  let D: v128, Dp: v128, Dm: v128;
  if (kind == S2_TAIL) { D = loadUpTo(go, cnt); Dp = loadUpTo(go + 4, cnt - 1); }
  else { D = v128.load(go); Dp = v128.load(go, 4); }
  if (kind == S2_LEFT) Dm = v128.shuffle<f32>(f32x4.splat(0), D, 3, 4, 5, 6);
  else Dm = v128.load(go - 4);
  const E = madd(t4, Dm, madd(t2, D, f32x4.mul(t0, Dp)));
  const O = madd(t3, D, f32x4.mul(t1, Dp));
  let lo = v128.shuffle<f32>(E, O, 0, 4, 1, 5);
  let hi = v128.shuffle<f32>(E, O, 2, 6, 3, 7);
  if (kind == S2_TAIL) {
    if (load) { lo = f32x4.add(loadUpTo(dOff, n), lo); hi = f32x4.add(loadUpTo(dOff + 16, n - 4), hi); }
    storeUpTo(dOff, lo, n);
    storeUpTo(dOff + 16, hi, n - 4);
  } else {
    if (load) { lo = f32x4.add(v128.load(dOff), lo); hi = f32x4.add(v128.load(dOff, 16), hi); }
    v128.store(dOff, lo);
    v128.store(dOff, hi, 16);
  }
}

// @ts-ignore: decorator
@inline function gatherRow(load: bool, d: usize, g: usize, W: i32, OW: i32, taps: usize, u: i32): void {
  const t0 = tap(taps, false, u, 0), t1 = tap(taps, false, u, 1), t2 = tap(taps, false, u, 2);
  const t3 = tap(taps, false, u, 3), t4 = tap(taps, false, u, 4);
  gatherBlock(S2_LEFT, load, d, g, 0, W, OW, t0, t1, t2, t3, t4);
  let m = 4;
  for (; m + 5 <= OW && 2 * m + 8 <= W; m += 4) gatherBlock(S2_INNER, load, d, g, m, W, OW, t0, t1, t2, t3, t4);
  if (m < OW) gatherBlock(S2_TAIL, load, d, g, m, W, OW, t0, t1, t2, t3, t4);
}

/** dx (+)= conv_transpose(dy, taps) for is5x5s2p2 (any PH); overwrites dx unless `accumulate`. */
export function planeGather5x5s2(
  dy: usize, OH: i32, OW: i32, dx: usize, H: i32, W: i32, taps: usize, PH: i32, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeGather5x5s2Scalar(dy, OH, OW, dx, H, W, taps, PH, accumulate);
    return;
  }
  const gBytes = <usize>OW << 2, dBytes = <usize>W << 2;
  for (let r = 0; r < H; r++) {
    const d = dx + <usize>r * dBytes;
    const t = r + PH;
    let load = accumulate;
    for (let u = t & 1; u < 5; u += 2) {
      const i = (t - u) >> 1;
      if (i < 0) break;
      if (i >= OH) continue;
      const g = dy + <usize>i * gBytes;
      if (load) gatherRow(true, d, g, W, OW, taps, u);
      else gatherRow(false, d, g, W, OW, taps, u);
      load = true;
    }
    if (!load) memory.fill(d, 0, dBytes);
  }
}

/** Weight gradient of one plane for is5x5s2p2 (any PH): dw[u,v] (+)= Σ g[i,j] · x[2i − PH + u, 2j − 2 + v]. */
export function planeWeightGrad5x5s2(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  if (!ASC_FEATURE_SIMD) {
    planeWeightGrad5x5s2Scalar(x, H, W, g0, OH, OW, PH, dw, accumulate);
    return;
  }
  const xBytes = <usize>W << 2, gBytes = <usize>OW << 2;
  for (let u = 0; u < 5; u++) {
    const z = f32x4.splat(0);
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z;
    const iLo = rangeLo(u - PH, 2, OH), iHi = rangeHi(u - PH, 2, OH, H);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(2 * i - PH + u) * xBytes;
      const g = g0 + <usize>i * gBytes;
      {
        const G = v128.load(g);
        const A = sA(S2_LEFT, r, 0, W), B = sB(S2_LEFT, r, 0, W), P = sP(S2_LEFT, r, 0);
        const ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6), od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
        a0 = madd(G, v128.shuffle<f32>(P, ev, 2, 4, 5, 6), a0);
        a1 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a1);
        a2 = madd(G, ev, a2);
        a3 = madd(G, od, a3);
        a4 = madd(G, v128.shuffle<f32>(ev, sN(S2_LEFT, r, 0, W), 1, 2, 3, 4), a4);
      }
      let j = 4;
      for (; j + 4 <= OW && 2 * j + 9 <= W; j += 4) {
        const o = <usize>j << 3;
        const G = v128.load(g + (<usize>j << 2));
        const A = sA(S2_INNER, r, o, 0), B = sB(S2_INNER, r, o, 0), P = sP(S2_INNER, r, o);
        const ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6), od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
        a0 = madd(G, v128.shuffle<f32>(P, ev, 2, 4, 5, 6), a0);
        a1 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a1);
        a2 = madd(G, ev, a2);
        a3 = madd(G, od, a3);
        a4 = madd(G, v128.shuffle<f32>(ev, sN(S2_INNER, r, o, 0), 1, 2, 3, 4), a4);
      }
      if (j < OW) {
        const o = <usize>j << 3, n = W - 2 * j;
        const G = loadUpTo(g + (<usize>j << 2), OW - j);
        const A = sA(S2_TAIL, r, o, n), B = sB(S2_TAIL, r, o, n), P = sP(S2_TAIL, r, o);
        const ev = v128.shuffle<f32>(A, B, 0, 2, 4, 6), od = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
        a0 = madd(G, v128.shuffle<f32>(P, ev, 2, 4, 5, 6), a0);
        a1 = madd(G, v128.shuffle<f32>(P, od, 3, 4, 5, 6), a1);
        a2 = madd(G, ev, a2);
        a3 = madd(G, od, a3);
        a4 = madd(G, v128.shuffle<f32>(ev, sN(S2_TAIL, r, o, n), 1, 2, 3, 4), a4);
      }
    }
    weightGradOut5(dw + <usize>(u * 20), a0, a1, a2, a3, a4, accumulate);
  }
}
