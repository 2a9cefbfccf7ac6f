// f32x4 vector helpers for the dynamic-convolution kernels: aggregation of K kernels, dot, axpy, and
// the backward's fused ⟨∂W, W_k⟩ / ∂W_k pass.
//
// Every helper keeps the summation order of the plain loops it replaces (k ascending per element;
// per-lane partial sums over i ascending, then lanes 0+1+2+3), so results are bit-identical to them.

import { madd } from "../simd/madd";

/** dst[0..len) = Σ_k coef[k] · src[k·len .. (k+1)·len)   (the per-sample kernel W(x) = Σ π_k W_k). */
export function aggregateKernels(K: i32, coef: usize, src: usize, len: i32, dst: usize): void {
  aggregateSamples(K, 1, coef, 0, src, len, dst, 0);
}

/**
 * S aggregations in one pass over the K kernels (src: K × len floats):
 *   dst_s[0..len) = Σ_k coef_s[k] · src_k      coef_s = coef + s·coefStride, dst_s = dst + s·dstStride (bytes)
 * Aggregation is bound by reading the K·len kernel floats (memory bandwidth), so S samples per pass
 * read them once instead of S times. Kernels go four at a time (the first four into registers, later
 * groups on top of dst); the sum order per element is k ascending, as K axpys into a zeroed dst.
 */
export function aggregateSamples(
  K: i32, S: i32, coef: usize, coefStride: usize, src: usize, len: i32, dst: usize, dstStride: usize,
): void {
  if (K <= 0) {
    for (let s = 0; s < S; s++) memory.fill(dst + <usize>s * dstStride, 0, <usize>len << 2);
    return;
  }
  const kStride = <usize>len << 2;
  for (let k0 = 0; k0 < K; k0 += 4) {
    const kn = min(4, K - k0);
    const s0 = src + <usize>k0 * kStride;
    const s1 = s0 + kStride, s2 = s1 + kStride, s3 = s2 + kStride;
    const ck = coef + (<usize>k0 << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i << 2;
        const w0 = v128.load(s0 + o);
        const w1 = kn > 1 ? v128.load(s1 + o) : f32x4.splat(0);
        const w2 = kn > 2 ? v128.load(s2 + o) : f32x4.splat(0);
        const w3 = kn > 3 ? v128.load(s3 + o) : f32x4.splat(0);
        for (let s = 0; s < S; s++) {
          const c = ck + <usize>s * coefStride;
          const d = dst + <usize>s * dstStride + o;
          let acc = k0 == 0 ? f32x4.mul(v128.load32_splat(c), w0) : madd(v128.load32_splat(c), w0, v128.load(d));
          if (kn > 1) acc = madd(v128.load32_splat(c, 4), w1, acc);
          if (kn > 2) acc = madd(v128.load32_splat(c, 8), w2, acc);
          if (kn > 3) acc = madd(v128.load32_splat(c, 12), w3, acc);
          v128.store(d, acc);
        }
      }
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      for (let s = 0; s < S; s++) {
        const c = ck + <usize>s * coefStride;
        const d = dst + <usize>s * dstStride + o;
        let acc: f32 = k0 == 0 ? load<f32>(c) * load<f32>(s0 + o) : load<f32>(d) + load<f32>(c) * load<f32>(s0 + o);
        if (kn > 1) acc += load<f32>(c, 4) * load<f32>(s1 + o);
        if (kn > 2) acc += load<f32>(c, 8) * load<f32>(s2 + o);
        if (kn > 3) acc += load<f32>(c, 12) * load<f32>(s3 + o);
        store<f32>(d, acc);
      }
    }
  }
}

/**
 * The backward's per-sample pass over the weights, fused per kernel (one loop reads W_k, ∂W and
 * ∂W_k once, instead of a dot and an axpy that each read ∂W):
 *   out[k] = ⟨W_k, d⟩                              (W_k = weight + k·len floats)
 *   dweight_k = (first ? 0 : dweight_k) + coef[k] · d
 * Same per-lane order as dot() and axpy(), so the same bits. (Chunking ∂W to keep it in L1 across
 * the K kernels measured slower: 2K interleaved short streams defeat the prefetcher.)
 */
export function dotAxpyKernels(K: i32, coef: usize, weight: usize, d: usize, len: i32, dweight: usize, first: bool, out: usize): void {
  dotAxpySamples(K, 1, coef, 0, weight, d, 0, len, dweight, first, out, 0);
}

/**
 * dotAxpyKernels for S ≤ 4 samples in one pass over the K kernels and their gradients (each W_k and
 * ∂W_k is read once for the S samples):
 *   out_s[k] = ⟨W_k, d_s⟩                     d_s = d + s·dStride, out_s = out + s·outStride (bytes)
 *   dweight_k = (first ? 0 : dweight_k) + Σ_s coef_s[k] · d_s     (s ascending, coef_s = coef + s·coefStride)
 * Per element the same order as S successive dotAxpyKernels calls, so the same bits.
 */
export function dotAxpySamples(
  K: i32, S: i32, coef: usize, coefStride: usize, weight: usize, d: usize, dStride: usize, len: i32,
  dweight: usize, first: bool, out: usize, outStride: usize,
): void {
  const kStride = <usize>len << 2;
  const d0 = d, d1 = d + dStride, d2 = d1 + dStride, d3 = d2 + dStride;
  for (let k = 0; k < K; k++) {
    const wk = weight + <usize>k * kStride;
    const gk = dweight + <usize>k * kStride;
    const ck = coef + (<usize>k << 2);
    const a0 = load<f32>(ck);
    const a1: f32 = S > 1 ? load<f32>(ck + coefStride) : 0;
    const a2: f32 = S > 2 ? load<f32>(ck + 2 * coefStride) : 0;
    const a3: f32 = S > 3 ? load<f32>(ck + 3 * coefStride) : 0;
    let i = 0;
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      const v0 = f32x4.splat(a0), v1 = f32x4.splat(a1), v2 = f32x4.splat(a2), v3 = f32x4.splat(a3);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i << 2;
        const w = v128.load(wk + o);
        const e0 = v128.load(d0 + o);
        c0 = madd(w, e0, c0);
        let g = first ? f32x4.mul(v0, e0) : madd(v0, e0, v128.load(gk + o));
        if (S > 1) {
          const e1 = v128.load(d1 + o);
          c1 = madd(w, e1, c1);
          g = madd(v1, e1, g);
          if (S > 2) {
            const e2 = v128.load(d2 + o);
            c2 = madd(w, e2, c2);
            g = madd(v2, e2, g);
            if (S > 3) {
              const e3 = v128.load(d3 + o);
              c3 = madd(w, e3, c3);
              g = madd(v3, e3, g);
            }
          }
        }
        v128.store(gk + o, g);
      }
      s0 = hsum(c0); s1 = hsum(c1); s2 = hsum(c2); s3 = hsum(c3);
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      const w = load<f32>(wk + o);
      const e0 = load<f32>(d0 + o);
      s0 += w * e0;
      let g: f32 = first ? a0 * e0 : load<f32>(gk + o) + a0 * e0;
      if (S > 1) { const e1 = load<f32>(d1 + o); s1 += w * e1; g += a1 * e1; }
      if (S > 2) { const e2 = load<f32>(d2 + o); s2 += w * e2; g += a2 * e2; }
      if (S > 3) { const e3 = load<f32>(d3 + o); s3 += w * e3; g += a3 * e3; }
      store<f32>(gk + o, g);
    }
    store<f32>(out + (<usize>k << 2), s0);
    if (S > 1) store<f32>(out + outStride + (<usize>k << 2), s1);
    if (S > 2) store<f32>(out + 2 * outStride + (<usize>k << 2), s2);
    if (S > 3) store<f32>(out + 3 * outStride + (<usize>k << 2), s3);
  }
}

/** Lanes 0 + 1 + 2 + 3, in that order (as dot()). */
// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** y += a · x over len floats. */
export function axpy(a: f32, x: usize, y: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f32x4.splat(a);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, madd(av, v128.load(x + o), v128.load(y + o)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

/** Σ a[i] · b[i] over len floats. */
export function dot(a: usize, b: usize, len: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      acc = madd(v128.load(a + o), v128.load(b + o), acc);
    }
    s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  }
  for (; i < len; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

/** Rounds a byte count up to the bindings' 64-byte alignment. */
// @ts-ignore: decorator
@inline
export function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/**
 * The aggregated kernel straight into the flipped, in/out-swapped layout of the backward-data conv
 * (see ../dcd/flip.ts): for W_k (Cout, Cin/G, KH, KW) = src + k·|W|,
 *   dst[g·Cg + c, o, t] = Σ_k coef[k] · W_k[g·Kg + o, c, taps − 1 − t]      (taps = KH·KW)
 * i.e. dcdFlipConvWeights(aggregateKernels(…)) in one pass, with the same sums (k ascending), so the
 * same bits. Walks the sources contiguously (dst rows of one output channel are kg·taps apart, and
 * the next channel fills their neighbours while they are still cached; the other order, contiguous
 * dst, strides all K sources at once and measured slower than aggregate + flip). Each row of taps is
 * reversed four lanes at a time.
 */
export function aggregateFlipped(
  K: i32, coef: usize, src: usize, cout: i32, cin: i32, G: i32, KH: i32, KW: i32, dst: usize,
): void {
  aggregateFlippedSamples(K, 1, coef, 0, src, cout, cin, G, KH, KW, dst, 0);
}

/**
 * aggregateFlipped for S samples (coef_s = coef + s·coefStride, dst_s = dst + s·dstStride, bytes),
 * one pass over the kernels: each source row is aggregated for every sample while it is in L1.
 */
export function aggregateFlippedSamples(
  K: i32, S: i32, coefAll: usize, coefStride: usize, src: usize, cout: i32, cin: i32, G: i32, KH: i32, KW: i32,
  dst: usize, dstStride: usize,
): void {
  const kg = cout / G, cg = cin / G, taps = KH * KW;
  const kStride = <usize>cout * cg * taps << 2;
  const rowBytes = <usize>taps << 2;
  const outStride = <usize>kg * rowBytes;
  for (let g = 0; g < G; g++) {
    for (let o = 0; o < kg; o++) {
      let row = src + <usize>(g * kg + o) * cg * rowBytes;
      let outRow = dst + (<usize>(g * cg) * kg + o) * rowBytes;
      for (let c = 0; c < cg; c++) {
        for (let smp = 0; smp < S; smp++) {
          const coef = coefAll + <usize>smp * coefStride;
          const out = outRow + <usize>smp * dstStride;
          let t = 0;
          if (ASC_FEATURE_SIMD) {
            // dst taps t..t+3 = reversed source taps taps−4−t .. taps−1−t
            for (; t + 4 <= taps; t += 4) {
              const at = row + (<usize>(taps - 4 - t) << 2);
              let acc = f32x4.mul(v128.load32_splat(coef), v128.load(at));
              for (let k = 1; k < K; k++) acc = madd(v128.load32_splat(coef + (<usize>k << 2)), v128.load(at + <usize>k * kStride), acc);
              v128.store(out + (<usize>t << 2), v128.shuffle<f32>(acc, acc, 3, 2, 1, 0));
            }
          }
          for (; t < taps; t++) {
            const at = row + (<usize>(taps - 1 - t) << 2);
            if (ASC_FEATURE_SIMD && K > 0) {
              // one lane of the vector op, so the relaxed build's fused madd matches aggregateSamples too
              let v = f32x4.mul(v128.load32_splat(coef), v128.load32_splat(at));
              for (let k = 1; k < K; k++) v = madd(v128.load32_splat(coef + (<usize>k << 2)), v128.load32_splat(at + <usize>k * kStride), v);
              store<f32>(out + (<usize>t << 2), f32x4.extract_lane(v, 0));
              continue;
            }
            let acc: f32 = K > 0 ? load<f32>(coef) * load<f32>(at) : 0;
            for (let k = 1; k < K; k++) acc += load<f32>(coef + (<usize>k << 2)) * load<f32>(at + <usize>k * kStride);
            store<f32>(out + (<usize>t << 2), acc);
          }
        }
        row += rowBytes;
        outRow += outStride;
      }
    }
  }
}
