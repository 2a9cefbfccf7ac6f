// Average pooling kernels, forward and backward (NCHW, f32, byte-offset pointers, no allocation).
//
// globalAvgPool*:   y[n, c] = mean_{h,w} x[n, c, h, w]          (y is (N, C), i.e. (N, C, 1, 1))
// adaptiveAvgPool*: PyTorch AdaptiveAvgPool2d to (OH, OW). Bin i spans rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1,
//                   so bins overlap when H is not a multiple of OH (e.g. 2×2 on odd sizes). Output is
//                   (N, C, OH, OW) row-major: for OH = OW = 2 the flat index is c·4 + i·2 + j.
// Backward kernels overwrite dx (bins that overlap add into the shared pixels), or add to it when
// `accumulate` (DCD's pooled branch is one of three paths into its input's gradient).

/** Sum of `len` consecutive f32 starting at `p` (f32x4 in the SIMD build). */
// @ts-ignore: decorator
@inline
export function sumRun(p: usize, len: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, v128.load(p + (<usize>i << 2)));
    s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  }
  for (; i < len; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

/** Writes `value` into `len` consecutive f32 starting at `p`. */
// @ts-ignore: decorator
@inline
function fillRun(p: usize, len: i32, value: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= len; i += 4) v128.store(p + (<usize>i << 2), v);
  }
  for (; i < len; i++) store<f32>(p + (<usize>i << 2), value);
}

/** Adds `value` to `len` consecutive f32 starting at `p` (one add per element: the same bits as a scalar loop). */
// @ts-ignore: decorator
@inline
export function addRun(p: usize, len: i32, value: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= len; i += 4) {
      const q = p + (<usize>i << 2);
      v128.store(q, f32x4.add(v128.load(q), v));
    }
  }
  for (; i < len; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, load<f32>(q) + value);
  }
}

/** y (N·C) = per-plane mean of x (N, C, H, W). */
export function globalAvgPoolForward(N: i32, C: i32, H: i32, W: i32, x: usize, y: usize): void {
  const plane = H * W;
  const inv: f32 = 1.0 / <f32>plane;
  const planes = N * C;
  for (let q = 0; q < planes; q++) {
    store<f32>(y + (<usize>q << 2), sumRun(x + (<usize>q * plane << 2), plane) * inv);
  }
}

/** dx (N, C, H, W) = (accumulate: dx +) dy[n, c] / (H·W) broadcast over each plane. */
export function globalAvgPoolBackward(N: i32, C: i32, H: i32, W: i32, dy: usize, dx: usize, accumulate: i32): void {
  const plane = H * W;
  const inv: f32 = 1.0 / <f32>plane;
  const planes = N * C;
  for (let q = 0; q < planes; q++) {
    const g = load<f32>(dy + (<usize>q << 2)) * inv;
    if (accumulate) addRun(dx + (<usize>q * plane << 2), plane, g);
    else fillRun(dx + (<usize>q * plane << 2), plane, g);
  }
}

// @ts-ignore: decorator
@inline
function binStart(i: i32, size: i32, bins: i32): i32 {
  return (i * size) / bins;
}

// @ts-ignore: decorator
@inline
function binEnd(i: i32, size: i32, bins: i32): i32 {
  return ((i + 1) * size + bins - 1) / bins;
}

/** y (N, C, OH, OW) = PyTorch AdaptiveAvgPool2d((OH, OW)) of x (N, C, H, W). */
export function adaptiveAvgPoolForward(
  N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, x: usize, y: usize,
): void {
  const planes = N * C;
  const plane = H * W;
  for (let q = 0; q < planes; q++) {
    const xp = x + (<usize>q * plane << 2);
    const yp = y + (<usize>q * OH * OW << 2);
    for (let i = 0; i < OH; i++) {
      const h0 = binStart(i, H, OH);
      const h1 = binEnd(i, H, OH);
      for (let j = 0; j < OW; j++) {
        const w0 = binStart(j, W, OW);
        const w1 = binEnd(j, W, OW);
        let s: f32 = 0;
        for (let h = h0; h < h1; h++) s += sumRun(xp + (<usize>(h * W + w0) << 2), w1 - w0);
        store<f32>(yp + (<usize>(i * OW + j) << 2), s / <f32>((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

/**
 * dx (N, C, H, W) = gradient of adaptiveAvgPoolForward for upstream dy (N, C, OH, OW). Overwrites dx,
 * or adds to it when accumulate.
 */
export function adaptiveAvgPoolBackward(
  N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, dy: usize, dx: usize, accumulate: i32,
): void {
  const planes = N * C;
  const plane = H * W;
  if (!accumulate) memory.fill(dx, 0, <usize>planes * plane << 2);
  for (let q = 0; q < planes; q++) {
    const dxp = dx + (<usize>q * plane << 2);
    const dyp = dy + (<usize>q * OH * OW << 2);
    for (let i = 0; i < OH; i++) {
      const h0 = binStart(i, H, OH);
      const h1 = binEnd(i, H, OH);
      for (let j = 0; j < OW; j++) {
        const w0 = binStart(j, W, OW);
        const w1 = binEnd(j, W, OW);
        const g = load<f32>(dyp + (<usize>(i * OW + j) << 2)) / <f32>((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) addRun(dxp + (<usize>(h * W + w0) << 2), w1 - w0, g);
      }
    }
  }
}
