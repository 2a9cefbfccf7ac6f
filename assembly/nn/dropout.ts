// Inverted dropout with a counter-based mask (the definition of bindings/ops/nn_hash.ts, bit for bit):
//   fmix32(a)       = MurmurHash3's 32-bit finaliser
//   hash32(seed, i) = fmix32(seed ^ fmix32(i + 0x9E3779B9))
//   keep element i  ⇔ (hash32(seed, i) >>> 8) / 2^24 ≥ p  ⇔ (hash32 >>> 8) ≥ ⌈p·2^24⌉
// y[i] = x[i]·(keep ? scale : 0) with scale = float32(1 / (1 − p)) from the bindings (PyTorch's x·noise).
// The same call is the backward pass (dropout is linear in x): dx = dropoutApply(dy).

// @ts-ignore: decorator
@inline function fmix32(a: u32): u32 {
  a ^= a >>> 16;
  a *= 0x85ebca6b;
  a ^= a >>> 13;
  a *= 0xc2b2ae35;
  a ^= a >>> 16;
  return a;
}

// @ts-ignore: decorator
@inline function fmix32V(a: v128): v128 {
  a = v128.xor(a, i32x4.shr_u(a, 16));
  a = i32x4.mul(a, i32x4.splat(0x85ebca6b));
  a = v128.xor(a, i32x4.shr_u(a, 13));
  a = i32x4.mul(a, i32x4.splat(0xc2b2ae35));
  return v128.xor(a, i32x4.shr_u(a, 16));
}

/** y (n) = x · mask · scale; p in [0, 1) decides the mask, seed a uint32. y may alias x. */
export function dropoutApply(n: i32, x: usize, y: usize, p: f64, scale: f32, seed: u32): void {
  // both sides < 2^25, so the signed lane compare below is exact
  const threshold = <i32>Math.ceil(p * 16777216.0);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vt = i32x4.splat(threshold);
    const vs = f32x4.splat(scale);
    const vseed = i32x4.splat(seed);
    let idx = i32x4(0, 1, 2, 3);
    for (; i + 4 <= n; i += 4) {
      const h = fmix32V(v128.xor(vseed, fmix32V(i32x4.add(idx, i32x4.splat(0x9e3779b9)))));
      const keep = i32x4.ge_s(i32x4.shr_u(h, 8), vt);
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(v128.load(x + o), v128.and(vs, keep)));
      idx = i32x4.add(idx, i32x4.splat(4));
    }
  }
  for (; i < n; i++) {
    const h = fmix32(seed ^ fmix32(<u32>i + 0x9e3779b9));
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * (<i32>(h >>> 8) >= threshold ? scale : 0));
  }
}
