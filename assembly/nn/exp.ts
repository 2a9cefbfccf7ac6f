// e^x for f32 without a lookup table.
//
// Why not Mathf.exp: at shrinkLevel 0 AssemblyScript's Mathf.exp reads a 2^(i/32) table that it
// emits as a data segment, and the threads build must have none (every worker instantiates the module
// on the same shared memory; tools/check-threads-wasm.mjs). Having to build the threads target at
// shrinkLevel 1 made its conv kernels ~5% slower per thread (1×1 512→2048 @7², 3×3 s2 256 @14²).
// This one is small enough for every build, so all of them also share the same results.
//
// Method: in f64, k = round(x / ln 2), r = x − k·ln 2 (|r| ≤ 0.347), e^r by its Taylor series to r⁸/8!
// (truncation ≤ 0.347⁹/9! ≈ 2e-10 relative, far below f32's 6e-8), times 2^k built in the exponent
// field. One f64 → f32 rounding at the end: within 1 ulp of the true value (double rounding).

// @ts-ignore: decorator
@inline const INV_LN2: f64 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const LN2: f64 = 0.6931471805599453;

export function expf(x: f32): f32 {
  // beyond these e^x rounds to +∞ or to 0 in f32 (and k stays within f64's normal exponents)
  if (x > <f32>89) return Infinity;
  if (x < <f32>-104) return 0;
  const xd = <f64>x; // NaN passes through the arithmetic below
  const k = Math.round(xd * INV_LN2);
  const r = xd - k * LN2;
  const p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 +
    r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320))))))));
  const scale = reinterpret<f64>(<u64>(<i64>k + 1023) << 52);
  return <f32>(p * scale);
}
