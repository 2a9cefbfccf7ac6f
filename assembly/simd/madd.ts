// One multiply-add for every build: a·b + c per f32 lane.
// The relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD) emits f32x4.relaxed_madd, which V8 lowers to a
// fused FMA where the CPU has one (one rounding, one instruction); the plain SIMD build keeps
// mul + add (two roundings). The flag is a compile-time constant, so the other branch is dropped.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
