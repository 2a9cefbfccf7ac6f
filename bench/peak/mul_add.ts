// The WASM SIMD ceiling: 12 independent chains of acc = acc·m + c (f32x4.mul then f32x4.add), all
// register-resident. 12 chains × 2 dependent ops hide the mul→add latency and fill the 2 FMUL + 2 FADD
// pipes; with m and c that makes 14 live v128 values, under the 16 XMM registers V8 gives WASM on x86-64.
// FLOPs per iteration: 12 chains × (4 mul + 4 add) = 96.

// m and c are read from memory (bytes 0–31, written by the caller) before the loop: V8 keeps loaded
// vectors in registers, whereas a splat of an argument gets re-broadcast inside the loop. The caller
// passes m < 1 and a small c, which keep every chain near c / (1 − m): no overflow, no denormals.
export function peak(iterations: i32, seed: f32): f32 {
  const m = v128.load(0);
  const c = v128.load(16);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c);
    a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c);
    a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c);
    a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c);
    a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c);
    a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c);
    a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  // Reduce every chain into the result so that none of them is dead code.
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
}
