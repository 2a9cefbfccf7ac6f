// The machine's f32x4.relaxed_madd throughput on one core, the ceiling every kernel here is measured
// against (tools/fma-peak/run.mjs compiles and times it).
// f32x4.relaxed_madd throughput: 12 independent accumulator chains (latency 4 × 2 pipes needs ≥ 8)
export function madd(iters: i32, seed: f32): f32 {
  const a = f32x4.splat(seed), b = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.relaxed_madd(a, b, c0); c1 = f32x4.relaxed_madd(a, b, c1); c2 = f32x4.relaxed_madd(a, b, c2);
    c3 = f32x4.relaxed_madd(a, b, c3); c4 = f32x4.relaxed_madd(a, b, c4); c5 = f32x4.relaxed_madd(a, b, c5);
    c6 = f32x4.relaxed_madd(a, b, c6); c7 = f32x4.relaxed_madd(a, b, c7); c8 = f32x4.relaxed_madd(a, b, c8);
    c9 = f32x4.relaxed_madd(a, b, c9); c10 = f32x4.relaxed_madd(a, b, c10); c11 = f32x4.relaxed_madd(a, b, c11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  const t = f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11));
  return f32x4.extract_lane(f32x4.add(s, t), 0);
}
