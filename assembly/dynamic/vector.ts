// f32x4 vector helpers for the dynamic-convolution kernels: aggregation of K kernels, dot, axpy.

import { madd } from "../simd/madd";

/** dst[0..len) = Σ_k coef[k] · src[k·len .. (k+1)·len)   (the per-sample kernel W(x) = Σ π_k W_k). */
export function aggregateKernels(K: i32, coef: usize, src: usize, len: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>len << 2);
  for (let k = 0; k < K; k++) axpy(load<f32>(coef + (<usize>k << 2)), src + (<usize>k * len << 2), dst, len);
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
