// Λ(x): the per-sample, per-output-channel scale of the static convolution, y[n,o,:] = λ[n,o]·c[n,o,:].
// The forward is run on the conv output while it is still in cache (y may alias c, in place).

import { madd } from "../simd/madd";

// @ts-ignore: decorator
@inline function row(base: usize, r: i32, HW: i32): usize {
  return base + (<usize>r * HW << 2);
}

/** dst[i] = src[i]·a for i < n (dst may alias src). */
// @ts-ignore: decorator
@inline function scaleRow(src: usize, a: f32, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.mul(v128.load(src + (<usize>i << 2)), va));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)) * a);
}

/** y = λ ⊙ c over (N, C, HW); λ is (N, C). */
export function dcdScaleForward(N: i32, C: i32, HW: i32, lam: usize, c: usize, y: usize): void {
  const rows = N * C;
  for (let r = 0; r < rows; r++) {
    const a = load<f32>(lam + (<usize>r << 2));
    scaleRow(row(c, r, HW), a, row(y, r, HW), HW);
  }
}

/** dλ[n,o] = Σ dy·c over the pixels; dc = λ ⊙ dy (each of dlam, dc may be 0 = skip; dc may alias dy). */
export function dcdScaleBackward(N: i32, C: i32, HW: i32, lam: usize, c: usize, dy: usize, dlam: usize, dc: usize): void {
  const rows = N * C;
  for (let r = 0; r < rows; r++) {
    const g = row(dy, r, HW);
    if (dlam) {
      const cr = row(c, r, HW);
      let s: f32 = 0;
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        let acc = f32x4.splat(0);
        for (; i + 4 <= HW; i += 4) acc = madd(v128.load(g + (<usize>i << 2)), v128.load(cr + (<usize>i << 2)), acc);
        s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      }
      for (; i < HW; i++) s += load<f32>(g + (<usize>i << 2)) * load<f32>(cr + (<usize>i << 2));
      store<f32>(dlam + (<usize>r << 2), s);
    }
    if (dc) {
      scaleRow(g, load<f32>(lam + (<usize>r << 2)), row(dc, r, HW), HW);
    }
  }
}
