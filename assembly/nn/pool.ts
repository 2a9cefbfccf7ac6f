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

// Two bin columns (DCD's AdaptiveAvgPool2d(2), the only adaptive size the networks use) in whole rows:
// each 4-column chunk of a bin row is summed down the rows, then its lanes go to the left bin, the
// right bin or both (the overlap on odd W) by comparing their column index with the bins' edges. The
// general loop sums every (row, bin) run on its own — runs of 14, 7 or 4 floats with a scalar tail
// and a horizontal add each — and took 3.3 ms forward, 4.2 ms backward of a DCD training step of the
// Fashion-MNIST CNN (batch 64: 28², 14² and 7² planes).

/** The four column indices of chunk `c0` (its first column). */
// @ts-ignore: decorator
@inline
function chunkColumns(c0: i32): v128 {
  return i32x4.add(i32x4.splat(c0), i32x4(0, 1, 2, 3));
}

/** All-ones lanes of chunk `c0` inside the left bin column [0, ⌈W/2⌉). */
// @ts-ignore: decorator
@inline
function leftLanes(c0: i32, W: i32): v128 {
  return i32x4.lt_s(chunkColumns(c0), i32x4.splat(binEnd(0, W, 2)));
}

/** All-ones lanes of chunk `c0` inside the right bin column [⌊W/2⌋, W). */
// @ts-ignore: decorator
@inline
function rightLanes(c0: i32, W: i32): v128 {
  return i32x4.ge_s(chunkColumns(c0), i32x4.splat(binStart(1, W, 2)));
}

/** Forward of one plane into two bin columns; W ≥ 4. */
function adaptiveAvgPoolForwardTwoColumns(H: i32, W: i32, OH: i32, xp: usize, yp: usize): void {
  const leftEnd = binEnd(0, W, 2), rightStart = binStart(1, W, 2);
  const chunks = W >> 2;
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const h0 = binStart(i, H, OH), h1 = binEnd(i, H, OH);
    let left = f32x4.splat(0), right = f32x4.splat(0);
    for (let c = 0; c < chunks; c++) {
      let p = xp + (<usize>h0 * W + (<usize>c << 2) << 2);
      let v = f32x4.splat(0);
      for (let h = h0; h < h1; h++, p += rowBytes) v = f32x4.add(v, v128.load(p));
      left = f32x4.add(left, v128.and(v, leftLanes(c << 2, W)));
      right = f32x4.add(right, v128.and(v, rightLanes(c << 2, W)));
    }
    let l = f32x4.extract_lane(left, 0) + f32x4.extract_lane(left, 1) + f32x4.extract_lane(left, 2) + f32x4.extract_lane(left, 3);
    let r = f32x4.extract_lane(right, 0) + f32x4.extract_lane(right, 1) + f32x4.extract_lane(right, 2) + f32x4.extract_lane(right, 3);
    for (let w = chunks << 2; w < W; w++) {
      let t: f32 = 0;
      for (let h = h0; h < h1; h++) t += load<f32>(xp + (<usize>h * W + w << 2));
      if (w < leftEnd) l += t;
      if (w >= rightStart) r += t;
    }
    const rows = <f32>(h1 - h0);
    store<f32>(yp + (<usize>(i * 2) << 2), l / (rows * <f32>leftEnd));
    store<f32>(yp + (<usize>(i * 2 + 1) << 2), r / (rows * <f32>(W - rightStart)));
  }
}

/** y (N, C, OH, OW) = PyTorch AdaptiveAvgPool2d((OH, OW)) of x (N, C, H, W). */
export function adaptiveAvgPoolForward(
  N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, x: usize, y: usize,
): void {
  const planes = N * C;
  const plane = H * W;
  if (ASC_FEATURE_SIMD && OW == 2 && W >= 4) {
    for (let q = 0; q < planes; q++) adaptiveAvgPoolForwardTwoColumns(H, W, OH, x + (<usize>q * plane << 2), y + (<usize>q * OH * 2 << 2));
    return;
  }
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
  if (ASC_FEATURE_SIMD && OW == 2 && W >= 4) {
    for (let q = 0; q < planes; q++) adaptiveAvgPoolBackwardTwoColumns(H, W, OH, dy + (<usize>q * OH * 2 << 2), dx + (<usize>q * plane << 2));
    return;
  }
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

/**
 * Backward of one plane from two bin columns, added to dx: per bin row, each 4-column chunk's share
 * (the left bin's gradient where the lane is in it, plus the right bin's) added down the rows.
 */
function adaptiveAvgPoolBackwardTwoColumns(H: i32, W: i32, OH: i32, dyp: usize, dxp: usize): void {
  const leftEnd = binEnd(0, W, 2), rightStart = binStart(1, W, 2);
  const chunks = W >> 2;
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const h0 = binStart(i, H, OH), h1 = binEnd(i, H, OH);
    const rows = <f32>(h1 - h0);
    const gl = load<f32>(dyp + (<usize>(i * 2) << 2)) / (rows * <f32>leftEnd);
    const gr = load<f32>(dyp + (<usize>(i * 2 + 1) << 2)) / (rows * <f32>(W - rightStart));
    const vl = f32x4.splat(gl), vr = f32x4.splat(gr);
    for (let c = 0; c < chunks; c++) {
      const share = f32x4.add(v128.and(vl, leftLanes(c << 2, W)), v128.and(vr, rightLanes(c << 2, W)));
      let p = dxp + (<usize>h0 * W + (<usize>c << 2) << 2);
      for (let h = h0; h < h1; h++, p += rowBytes) v128.store(p, f32x4.add(v128.load(p), share));
    }
    for (let w = chunks << 2; w < W; w++) {
      const share: f32 = (w < leftEnd ? gl : 0) + (w >= rightStart ? gr : 0);
      for (let h = h0; h < h1; h++) {
        const p = dxp + (<usize>h * W + w << 2);
        store<f32>(p, load<f32>(p) + share);
      }
    }
  }
}
