// Matrix-vector products with the matrix's rows contiguous:  y[o] = Σ_i W[o][i] · x[i]
//
// At batch 1 a Linear is a GEMV, and the GEMM driver is the wrong tool for it: it packs the whole
// weight (a read and a write of W) for a single row of output, then runs 4-row micro-tiles of which
// one row is real. This reads W once, in place, 4 rows at a time (x is loaded once per 4 rows), and
// is bandwidth-bound as a GEMV should be. DCD's dynamic branch runs four such products per layer and
// image on weights of up to 1.3 MB (fc_phi of DCD-MobileNetV2's 960→160 DYModule: 200 → 1600): there
// packing plus the wasted tile rows took ~25 % of the layer (profile of 2026-12-07, SIMD build).
//
// Two accumulators per row (even and odd vectors of the row), so 8 independent multiply-add chains are
// in flight: with one per row the 4 chains waited on the madd latency (measured 19 GB/s on
// fc_phi's 200 → 1600 at batch 1, 53 GB/s on an 8 MB classifier; 2026-12-07, relaxed build).
//
// Summation order, the same for every row whichever rows share its block: lanes of the even-vector
// and odd-vector partial sums (i ≡ 0..3 and 4..7 mod 8), added lane-wise, then (lane0 + lane2) +
// (lane1 + lane3), then the scalar tail; a last 4-vector (I mod 8 ≥ 4) goes into the even sums first.
import { madd } from "../simd/madd";

// @ts-ignore: decorator
@inline function rowAt(w: usize, o: i32, ldw: i32): usize {
  return w + ((<usize>o * ldw) << 2);
}

/** Σ_i a[i]·b[i] for i in [from, count), scalar, added to `sum` in i order. */
// @ts-ignore: decorator
@inline function dotTail(a: usize, b: usize, from: i32, count: i32, sum: f32): f32 {
  for (let i = from; i < count; i++) sum += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return sum;
}

/**
 * y[o] (+)= Σ_i W[o][i]·x[i] for o < O, i < I; W row-major with row stride ldw (floats).
 * accumulate = 0 overwrites y, 1 adds into it.
 */
export function gemvRows(O: i32, I: i32, w: usize, ldw: i32, x: usize, y: usize, accumulate: i32): void {
  const I8 = ASC_FEATURE_SIMD ? I & ~7 : 0;
  const I4 = ASC_FEATURE_SIMD ? I & ~3 : 0; // I8 or I8 + 4
  let o = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 4 <= O; o += 4) {
      const w0 = rowAt(w, o, ldw), w1 = rowAt(w, o + 1, ldw), w2 = rowAt(w, o + 2, ldw), w3 = rowAt(w, o + 3, ldw);
      let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
      let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
      for (let i = 0; i < I8; i += 8) {
        const at = <usize>i << 2, bt = at + 16;
        const xe = v128.load(x + at), xd = v128.load(x + bt);
        e0 = madd(v128.load(w0 + at), xe, e0);
        e1 = madd(v128.load(w1 + at), xe, e1);
        e2 = madd(v128.load(w2 + at), xe, e2);
        e3 = madd(v128.load(w3 + at), xe, e3);
        d0 = madd(v128.load(w0 + bt), xd, d0);
        d1 = madd(v128.load(w1 + bt), xd, d1);
        d2 = madd(v128.load(w2 + bt), xd, d2);
        d3 = madd(v128.load(w3 + bt), xd, d3);
      }
      if (I4 > I8) {
        const at = <usize>I8 << 2;
        const xe = v128.load(x + at);
        e0 = madd(v128.load(w0 + at), xe, e0);
        e1 = madd(v128.load(w1 + at), xe, e1);
        e2 = madd(v128.load(w2 + at), xe, e2);
        e3 = madd(v128.load(w3 + at), xe, e3);
      }
      const a0 = f32x4.add(e0, d0), a1 = f32x4.add(e1, d1), a2 = f32x4.add(e2, d2), a3 = f32x4.add(e3, d3);
      // lanes → one sum per row: [a0, a1, a2, a3] with each (l0 + l2) + (l1 + l3)
      const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
      const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
      let sums = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
      if (I4 < I) {
        sums = f32x4.replace_lane(sums, 0, dotTail(w0, x, I4, I, f32x4.extract_lane(sums, 0)));
        sums = f32x4.replace_lane(sums, 1, dotTail(w1, x, I4, I, f32x4.extract_lane(sums, 1)));
        sums = f32x4.replace_lane(sums, 2, dotTail(w2, x, I4, I, f32x4.extract_lane(sums, 2)));
        sums = f32x4.replace_lane(sums, 3, dotTail(w3, x, I4, I, f32x4.extract_lane(sums, 3)));
      }
      const out = y + (<usize>o << 2);
      v128.store(out, accumulate ? f32x4.add(v128.load(out), sums) : sums);
    }
  }
  for (; o < O; o++) {
    const wo = rowAt(w, o, ldw);
    let sum: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let e = f32x4.splat(0), d = f32x4.splat(0);
      for (let i = 0; i < I8; i += 8) {
        const at = <usize>i << 2;
        e = madd(v128.load(wo + at), v128.load(x + at), e);
        d = madd(v128.load(wo + at + 16), v128.load(x + at + 16), d);
      }
      if (I4 > I8) e = madd(v128.load(wo + (<usize>I8 << 2)), v128.load(x + (<usize>I8 << 2)), e);
      const a = f32x4.add(e, d);
      sum = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
    }
    sum = dotTail(wo, x, I4, I, sum);
    const out = y + (<usize>o << 2);
    store<f32>(out, accumulate ? load<f32>(out) + sum : sum);
  }
}
