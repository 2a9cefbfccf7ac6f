// Element-wise activations over n contiguous f32 values, forward and backward.
//
// Hsig(t) = relu6(t + 3) / 3 (the DCD reference's h_sigmoid: range [0, 2], 1 at t = 0), ReLU, ReLU6,
// sigmoid. Backward masks follow PyTorch: ReLU passes where x > 0, ReLU6/Hsig where the clamp is open
// (strictly inside (0, 6) after the +3 shift). Pointers may alias (y = x, dx = dy) for in-place use.

import { expf } from "./exp";

// ---- per-element helpers (other kernels fuse these into their own loops) ----

/** relu6(t + 3) / 3, with the same rounding order as PyTorch (add, clamp, divide). */
// @ts-ignore: decorator
@inline export function hsigScalar(t: f32): f32 {
  return min<f32>(max<f32>(t + 3.0, 0.0), 6.0) / 3.0;
}

/** dHsig/dt · g: g / 3 where 0 < t + 3 < 6, else 0. */
// @ts-ignore: decorator
@inline export function hsigGradScalar(t: f32, g: f32): f32 {
  const u = t + <f32>3.0;
  return u > 0 && u < 6 ? g / <f32>3.0 : 0;
}

// @ts-ignore: decorator
@inline export function sigmoidScalar(t: f32): f32 {
  return <f32>1.0 / (<f32>1.0 + expf(-t));
}

// @ts-ignore: decorator
@inline export function hsigV(t: v128): v128 {
  const u = f32x4.add(t, f32x4.splat(3.0));
  return f32x4.div(f32x4.min(f32x4.max(u, f32x4.splat(0.0)), f32x4.splat(6.0)), f32x4.splat(3.0));
}

// @ts-ignore: decorator
@inline export function hsigGradV(t: v128, g: v128): v128 {
  const u = f32x4.add(t, f32x4.splat(3.0));
  const open = v128.and(f32x4.gt(u, f32x4.splat(0.0)), f32x4.lt(u, f32x4.splat(6.0)));
  return v128.and(f32x4.div(g, f32x4.splat(3.0)), open);
}

/** e^x for 4 lanes (Cephes expf: x = n·ln2 + r, degree-6 polynomial in r, times 2^n); ≈1 ulp. */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  // ln2 split in two so r keeps full precision
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2n);
}

// @ts-ignore: decorator
@inline export function sigmoidV(t: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(t))));
}

// ---- array kernels (exported through assembly/index.ts) ----

export function hsigForward(n: i32, x: usize, y: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, hsigV(v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, hsigScalar(load<f32>(x + o)));
  }
}

/** dx = dHsig/dx(x) · dy; x is the forward input. */
export function hsigBackward(n: i32, x: usize, dy: usize, dx: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, hsigGradV(v128.load(x + o), v128.load(dy + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, hsigGradScalar(load<f32>(x + o), load<f32>(dy + o)));
  }
}

/** max(x, 0) when hi = 0; min(max(x, 0), hi) otherwise (hi = 6: ReLU6). */
function clampForward(n: i32, x: usize, y: usize, hi: f32): void {
  const bounded = hi > 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0.0);
    const top = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let v = f32x4.max(v128.load(x + o), zero);
      if (bounded) v = f32x4.min(v, top);
      v128.store(y + o, v);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = max<f32>(load<f32>(x + o), 0);
    if (bounded) v = min<f32>(v, hi);
    store<f32>(y + o, v);
  }
}

/** dx = dy where 0 < x (< hi when hi > 0), else 0. */
function clampBackward(n: i32, x: usize, dy: usize, dx: usize, hi: f32): void {
  const bounded = hi > 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0.0);
    const top = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      let open = f32x4.gt(v, zero);
      if (bounded) open = v128.and(open, f32x4.lt(v, top));
      v128.store(dx + o, v128.and(v128.load(dy + o), open));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    const open = v > 0 && (!bounded || v < hi);
    store<f32>(dx + o, open ? load<f32>(dy + o) : 0);
  }
}

export function reluForward(n: i32, x: usize, y: usize): void {
  clampForward(n, x, y, 0);
}
export function reluBackward(n: i32, x: usize, dy: usize, dx: usize): void {
  clampBackward(n, x, dy, dx, 0);
}
export function relu6Forward(n: i32, x: usize, y: usize): void {
  clampForward(n, x, y, 6);
}
export function relu6Backward(n: i32, x: usize, dy: usize, dx: usize): void {
  clampBackward(n, x, dy, dx, 6);
}

export function sigmoidForward(n: i32, x: usize, y: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, sigmoidV(v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, sigmoidScalar(load<f32>(x + o)));
  }
}

/** dx = dy · y · (1 − y), from the forward OUTPUT y (as PyTorch's sigmoid_backward). */
export function sigmoidBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1.0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const s = v128.load(y + o);
      v128.store(dx + o, f32x4.mul(f32x4.mul(v128.load(dy + o), f32x4.sub(one, s)), s));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (<f32>1.0 - s) * s);
  }
}
