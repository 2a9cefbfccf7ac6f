// Element-wise kernels of the network-pieces op group over n contiguous f32 values (byte offsets):
//   addForward      y = a + b, then max(·, 0) when relu ≠ 0 (the residual add of ResNets)
//   axpby           y = α·x + β·y in place (β = 0: y = α·x without reading y, as BLAS)
//   hardsigmoid*    torch.nn.Hardsigmoid: relu6(x + 3) / 6; backward dy/6 where −3 < x < 3
//   tensorCopy      y = x
// Plain mul/add (never relaxed_madd), so every build rounds exactly like the js reference.

export function addForward(n: i32, a: usize, b: usize, y: usize, relu: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let v = f32x4.add(v128.load(a + o), v128.load(b + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(y + o, v);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = load<f32>(a + o) + load<f32>(b + o);
    if (relu) v = max<f32>(v, 0);
    store<f32>(y + o, v);
  }
}

export function axpby(n: i32, alpha: f32, x: usize, beta: f32, y: usize): void {
  const keepY = beta != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    const vb = f32x4.splat(beta);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let v = f32x4.mul(v128.load(x + o), va);
      if (keepY) v = f32x4.add(v, f32x4.mul(v128.load(y + o), vb));
      v128.store(y + o, v);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = load<f32>(x + o) * alpha;
    if (keepY) v += load<f32>(y + o) * beta;
    store<f32>(y + o, v);
  }
}

export function hardsigmoidForward(n: i32, x: usize, y: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const three = f32x4.splat(3), zero = f32x4.splat(0), six = f32x4.splat(6);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const u = f32x4.min(f32x4.max(f32x4.add(v128.load(x + o), three), zero), six);
      v128.store(y + o, f32x4.div(u, six));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min<f32>(max<f32>(load<f32>(x + o) + 3, 0), 6) / 6);
  }
}

/** dx = dy / 6 where −3 < x < 3 (x the forward input), else 0 — PyTorch's hardsigmoid_backward. */
export function hardsigmoidBackward(n: i32, x: usize, dy: usize, dx: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lo = f32x4.splat(-3), hi = f32x4.splat(3), six = f32x4.splat(6);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const open = v128.and(f32x4.gt(v, lo), f32x4.lt(v, hi));
      v128.store(dx + o, v128.and(f32x4.div(v128.load(dy + o), six), open));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, v > -3 && v < 3 ? load<f32>(dy + o) / 6 : 0);
  }
}

export function tensorCopy(n: i32, x: usize, y: usize): void {
  memory.copy(y, x, <usize>n << 2);
}
