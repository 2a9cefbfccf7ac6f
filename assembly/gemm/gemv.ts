// Matrix-vector products with the matrix's rows contiguous:  y[o] = Σ_i W[o][i] · x[i]
//
// At batch 1 a Linear is a GEMV, and the GEMM driver is the wrong tool for it: it packs the whole
// weight (a read and a write of W) for a single row of output, then runs 4-row micro-tiles of which
// one row is real. This reads W once, in place, 4 rows at a time (x is loaded once per 4 rows), and
// is bandwidth-bound as a GEMV should be. DCD's dynamic branch runs four such products per layer and
// image on weights of up to 1.3 MB (fc_phi of DCD-MobileNetV2's 960→160 DYModule: 200 → 1600): there
// packing plus the wasted tile rows took ~25 % of the layer (profile of 2026-12-07, SIMD build).
//
// Summation order: per row, 4 lane-wise partial sums over i ≡ 0..3 (mod 4) in i order, then
// (lane0 + lane2) + (lane1 + lane3), then the scalar tail in i order; the same for every row, so
// a row's value does not depend on which rows share its block.
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
  const I4 = ASC_FEATURE_SIMD ? I & ~3 : 0;
  let o = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 4 <= O; o += 4) {
      const w0 = rowAt(w, o, ldw), w1 = rowAt(w, o + 1, ldw), w2 = rowAt(w, o + 2, ldw), w3 = rowAt(w, o + 3, ldw);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let i = 0; i < I4; i += 4) {
        const at = <usize>i << 2;
        const xv = v128.load(x + at);
        a0 = madd(v128.load(w0 + at), xv, a0);
        a1 = madd(v128.load(w1 + at), xv, a1);
        a2 = madd(v128.load(w2 + at), xv, a2);
        a3 = madd(v128.load(w3 + at), xv, a3);
      }
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
      let a = f32x4.splat(0);
      for (let i = 0; i < I4; i += 4) a = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a);
      sum = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
    }
    sum = dotTail(wo, x, I4, I, sum);
    const out = y + (<usize>o << 2);
    store<f32>(out, accumulate ? load<f32>(out) + sum : sum);
  }
}
