// Matrix-vector products with the matrix's rows contiguous:  y[o] = Σ_i W[o][i] · x[i]
//
// At batch 1 a Linear is a GEMV, and the GEMM driver is the wrong tool for it: it packs the whole
// weight (a read and a write of W) for a single row of output, then runs 4-row micro-tiles of which
// one row is real. This reads W once, in place, and is bandwidth-bound as a GEMV should be. DCD's
// dynamic branch runs four such products per layer and image on weights of up to 1.3 MB (fc_phi of
// DCD-MobileNetV2's 960→160 DYModule: 200 → 1600): there packing plus the wasted tile rows took ~25 %
// of the layer (profile of 2026-12-07, SIMD build).
//
// W is read front to back, one row after another, with 8 accumulators per row (8 independent
// multiply-add chains). In a network at batch 1 every weight is used once per image, so W comes from
// memory, not cache, and one sequential stream is what this machine's prefetchers follow best: the
// first version interleaved 4 rows (4 streams, x loaded once per 4 rows) and streamed cold weights
// at 6–12 GB/s; this one at 19–20 GB/s (fc_phi 200→1600, fc 960→200, a 1280→1000 classifier, each
// far outside the caches; relaxed build, 2026-12-07), and planned DCD-MobileNetV2's GEMVs fell from
// ~2.2 to ~1.0 ms per image (V8 profile). What it gives up: a matrix re-used while it sits in L2
// runs ~30 % slower (two loads per multiply-add instead of 1.25: 29–35 instead of 41–50 GB/s).
// Interleaving only small matrices (≤ 64 KB) cost the planned network 0.2 ms of that gain: they come
// from memory too.
//
// Summation order, the same for every row whichever rows share its block: vector v of the row
// (floats 4v … 4v + 3; v < I / 4) into accumulator v mod 8, added ((a0 + a4) + (a1 + a5)) +
// ((a2 + a6) + (a3 + a7)), then lanes (l0 + l2) + (l1 + l3), then the scalar tail (I mod 4).
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
    // 4 rows, one after another; their 4 partial vectors summed lane-wise together
    for (; o + 4 <= O; o += 4) {
      const w0 = rowAt(w, o, ldw), w1 = rowAt(w, o + 1, ldw), w2 = rowAt(w, o + 2, ldw), w3 = rowAt(w, o + 3, ldw);
      const a0 = rowPartial(w0, x, I), a1 = rowPartial(w1, x, I), a2 = rowPartial(w2, x, I), a3 = rowPartial(w3, x, I);
      // [a0, a1, a2, a3] → one sum per row, each (l0 + l2) + (l1 + l3)
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
      const a = rowPartial(wo, x, I);
      sum = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
    }
    sum = dotTail(wo, x, I4, I, sum);
    const out = y + (<usize>o << 2);
    store<f32>(out, accumulate ? load<f32>(out) + sum : sum);
  }
}

/** One row's 8 accumulators over its whole f32x4 (floats 0 … I & ~3), added into one vector (header's order). */
// @ts-ignore: decorator
@inline function rowPartial(wo: usize, x: usize, I: i32): v128 {
  const I32 = I & ~31, I4 = I & ~3;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  let i = 0;
  for (; i < I32; i += 32) {
    const at = <usize>i << 2;
    a0 = madd(v128.load(wo + at), v128.load(x + at), a0);
    a1 = madd(v128.load(wo + at, 16), v128.load(x + at, 16), a1);
    a2 = madd(v128.load(wo + at, 32), v128.load(x + at, 32), a2);
    a3 = madd(v128.load(wo + at, 48), v128.load(x + at, 48), a3);
    a4 = madd(v128.load(wo + at, 64), v128.load(x + at, 64), a4);
    a5 = madd(v128.load(wo + at, 80), v128.load(x + at, 80), a5);
    a6 = madd(v128.load(wo + at, 96), v128.load(x + at, 96), a6);
    a7 = madd(v128.load(wo + at, 112), v128.load(x + at, 112), a7);
  }
  // the last I mod 32 floats' vectors continue accumulators 0 … 6 in order (vector v into v mod 8)
  if (i < I4) { a0 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a0); i += 4; }
  if (i < I4) { a1 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a1); i += 4; }
  if (i < I4) { a2 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a2); i += 4; }
  if (i < I4) { a3 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a3); i += 4; }
  if (i < I4) { a4 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a4); i += 4; }
  if (i < I4) { a5 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a5); i += 4; }
  if (i < I4) { a6 = madd(v128.load(wo + (<usize>i << 2)), v128.load(x + (<usize>i << 2)), a6); }
  return f32x4.add(f32x4.add(f32x4.add(a0, a4), f32x4.add(a1, a5)), f32x4.add(f32x4.add(a2, a6), f32x4.add(a3, a7)));
}
