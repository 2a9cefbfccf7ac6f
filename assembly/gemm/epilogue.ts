// The fused output epilogue (XNNPACK's minmax scheme): out = clamp(src + residual, lo, hi), run on
// a piece of output that a kernel has just written, while it is still in L1 — so a conv followed
// by a residual add and a ReLU / ReLU6 is one pass over y instead of three.
//   relu: lo = 0, hi = +Inf; relu6: lo = 0, hi = 6; none: lo = −Inf, hi = +Inf (no clamp at all).
// f32x4.max / min propagate NaN, as torch.relu does.

/** False when both bounds are infinite: the clamp is skipped, so a plain conv pays nothing. */
// @ts-ignore: decorator
@inline export function clampNeeded(lo: f32, hi: f32): bool {
  return lo != -Infinity || hi != Infinity;
}

/**
 * dst[i] = clamp(src[i] (+ res[i] when hasRes), lo, hi) (clamp only when clampOn) for i < n.
 * dst may be src or res (element i is read before it is written).
 */
// @ts-ignore: decorator
@inline export function epilogueSpan(
  src: usize, res: usize, dst: usize, n: i32, hasRes: bool, clampOn: bool, lo: f32, hi: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let v = v128.load(src + o);
      if (hasRes) v = f32x4.add(v, v128.load(res + o));
      if (clampOn) v = f32x4.min(f32x4.max(v, vlo), vhi);
      v128.store(dst + o, v);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = load<f32>(src + o);
    if (hasRes) v += load<f32>(res + o);
    if (clampOn) v = min<f32>(max<f32>(v, lo), hi);
    store<f32>(dst + o, v);
  }
}

/** epilogueSpan as a call (planes of the depthwise kernels: one call per plane, not inlined). */
export function epiloguePlane(
  src: usize, res: usize, dst: usize, n: i32, hasRes: bool, clampOn: bool, lo: f32, hi: f32,
): void {
  epilogueSpan(src, res, dst, n, hasRes, clampOn, lo, hi);
}
