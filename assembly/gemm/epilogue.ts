// The fused output epilogue (XNNPACK's minmax scheme): out = clamp(src + residual, lo, hi), run on
// a piece of output that a kernel has just written, while it is still in L1 — so a conv followed
// by a residual add and a ReLU / ReLU6 is one pass over y instead of three.
//   relu: lo = 0, hi = +Inf; relu6: lo = 0, hi = 6; none: lo = −Inf, hi = +Inf (no clamp at all).
// The clamp is pmax / pmin with v first (v < lo ? lo : v, then hi < v ? hi : v): one x86 maxps /
// minps each, where f32x4.max / min lower to ~8 instructions for their NaN and ±0 rules (the relu
// epilogue of dw 3×3 144 @56² cost 0.21 ms with them, more than a separate add + relu pass); a NaN v
// stays NaN, as torch.relu keeps it. relu skips the upper bound.

/**
 * A conv writing over the residual it adds (residual == y): the GEMM then accumulates onto C, which
 * already holds the residual, and no separate residual is read. Returns 1 (accumulate) in place, else 0.
 */
// @ts-ignore: decorator
@inline export function residualInPlace(residual: usize, y: usize): i32 {
  return residual != 0 && residual == y ? 1 : 0;
}

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
  const clampLo = clampOn && lo != -Infinity, clampHi = clampOn && hi != Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let v = v128.load(src + o);
      if (hasRes) v = f32x4.add(v, v128.load(res + o));
      if (clampLo) v = f32x4.pmax(v, vlo);
      if (clampHi) v = f32x4.pmin(v, vhi);
      v128.store(dst + o, v);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = load<f32>(src + o);
    if (hasRes) v += load<f32>(res + o);
    if (clampLo && v < lo) v = lo;
    if (clampHi && hi < v) v = hi;
    store<f32>(dst + o, v);
  }
}

/** epilogueSpan as a call (planes of the depthwise kernels: one call per plane, not inlined). */
export function epiloguePlane(
  src: usize, res: usize, dst: usize, n: i32, hasRes: bool, clampOn: bool, lo: f32, hi: f32,
): void {
  epilogueSpan(src, res, dst, n, hasRes, clampOn, lo, hi);
}
