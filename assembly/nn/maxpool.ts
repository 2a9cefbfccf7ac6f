// 2-D max pooling as PyTorch's CPU max_pool2d (NCHW, f32, byte offsets, no allocation).
//
// Pool descriptor `p` = 16 consecutive i32 (shared with avgpool.ts, filled in by the bindings):
//   [0]N [1]C [2]H [3]W [4]KH [5]KW [6]SH [7]SW [8]PH [9]PW [10]DH [11]DW [12]OH [13]OW
//   [14]countIncludePad (avg only) [15]unused
// OH/OW already hold PyTorch's output size (ceil_mode included), so windows here only need clipping.
// Window semantics are PyTorch's: a position replaces the running max when it is greater or NaN, so
// ties keep the first position and the last NaN wins; an all −∞ window keeps its first in-bounds
// position. The backward recomputes that argmax and routes dy there.

// @ts-ignore: decorator
@inline function dim(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// Result of windowMax (globals, not an array: kernels never allocate).
let bestValue: f32 = 0;
let bestIndex: i32 = 0;

/** Max of one window of the plane at xp over rows h0… (step dh) < h1 and columns w0… (step dw) < w1. */
// @ts-ignore: decorator
@inline function windowMax(xp: usize, W: i32, h0: i32, h1: i32, dh: i32, w0: i32, w1: i32, dw: i32): void {
  let best: f32 = -Infinity;
  let at = h0 * W + w0;
  for (let ih = h0; ih < h1; ih += dh) {
    const rowBase = ih * W;
    for (let iw = w0; iw < w1; iw += dw) {
      const v = load<f32>(xp + (<usize>(rowBase + iw) << 2));
      if (v > best || v != v) {
        best = v;
        at = rowBase + iw;
      }
    }
  }
  bestValue = best;
  bestIndex = at;
}

/** Calls windowMax for output (oh, ow) of a plane; the window's first in-bounds row/column, as PyTorch. */
// @ts-ignore: decorator
@inline function poolWindow(p: usize, xp: usize, oh: i32, ow: i32): void {
  const H = dim(p, 2), W = dim(p, 3);
  const KH = dim(p, 4), KW = dim(p, 5), SH = dim(p, 6), SW = dim(p, 7);
  const PH = dim(p, 8), PW = dim(p, 9), DH = dim(p, 10), DW = dim(p, 11);
  let h0 = oh * SH - PH;
  const h1 = min(h0 + (KH - 1) * DH + 1, H);
  while (h0 < 0) h0 += DH;
  let w0 = ow * SW - PW;
  const w1 = min(w0 + (KW - 1) * DW + 1, W);
  while (w0 < 0) w0 += DW;
  windowMax(xp, W, h0, h1, DH, w0, w1, DW);
}

/**
 * The maxima of 4 adjacent outputs whose windows need no column clipping (column stride SW = 1 or 2):
 * the same taps in the same order and with the same "greater or NaN" rule as windowMax, so the
 * results are bit-identical to the scalar path. c0 is the first column of the first window.
 */
// @ts-ignore: decorator
@inline function windowMax4(xp: usize, W: i32, h0: i32, h1: i32, DH: i32, c0: i32, KW: i32, DW: i32, SW: i32): v128 {
  let best = f32x4.splat(-Infinity);
  for (let ih = h0; ih < h1; ih += DH) {
    const row = xp + (<usize>(ih * W + c0) << 2);
    for (let kw = 0; kw < KW; kw++) {
      const at = row + (<usize>(kw * DW) << 2);
      let v = v128.load(at);
      // stride 2: the even lanes of 8 consecutive values (the bound check keeps the 8th inside the row)
      if (SW == 2) v = i8x16.shuffle(v, v128.load(at + 16), 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
      best = v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
    }
  }
  return best;
}

/** y (N, C, OH, OW) = max_pool2d(x). */
export function maxPool2dForward(p: usize, x: usize, y: usize): void {
  maxPool2dForwardPlanes(p, x, y, 0, dim(p, 0) * dim(p, 1));
}

/** maxPool2dForward on planes (sample·C + channel) q0 … q1 − 1 only (the thread pool's parts: pool_part.ts). */
export function maxPool2dForwardPlanes(p: usize, x: usize, y: usize, q0: i32, q1: i32): void {
  const H = dim(p, 2), W = dim(p, 3);
  const plane = <usize>H * <usize>W;
  const OH = dim(p, 12), OW = dim(p, 13);
  const KH = dim(p, 4), KW = dim(p, 5), SH = dim(p, 6), SW = dim(p, 7);
  const PH = dim(p, 8), PW = dim(p, 9), DH = dim(p, 10), DW = dim(p, 11);
  // SIMD: outputs ow … ow+3 at once when every value they read lies inside the row
  const vector = ASC_FEATURE_SIMD && (SW == 1 || SW == 2);
  const firstInside = (PW + SW - 1) / SW; // the first ow whose window starts at column ≥ 0
  for (let q = q0; q < q1; q++) {
    const xp = x + (<usize>q * plane << 2);
    const yp = y + (<usize>q * <usize>(OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      let ow = 0;
      if (vector) {
        let h0 = oh * SH - PH;
        const h1 = min(h0 + (KH - 1) * DH + 1, H);
        while (h0 < 0) h0 += DH;
        for (; ow < firstInside && ow < OW; ow++) {
          poolWindow(p, xp, oh, ow);
          store<f32>(yp + (<usize>(oh * OW + ow) << 2), bestValue);
        }
        for (; ow + 4 <= OW && (ow + 3) * SW - PW + (KW - 1) * DW + SW - 1 < W; ow += 4) {
          v128.store(yp + (<usize>(oh * OW + ow) << 2), windowMax4(xp, W, h0, h1, DH, ow * SW - PW, KW, DW, SW));
        }
      }
      for (; ow < OW; ow++) {
        poolWindow(p, xp, oh, ow);
        store<f32>(yp + (<usize>(oh * OW + ow) << 2), bestValue);
      }
    }
  }
}

/** dx (N, C, H, W) = dy routed to each window's argmax (overwrites dx; overlapping windows add). */
export function maxPool2dBackward(p: usize, x: usize, dy: usize, dx: usize): void {
  const planes = dim(p, 0) * dim(p, 1);
  const plane = <usize>dim(p, 2) * <usize>dim(p, 3);
  const OH = dim(p, 12), OW = dim(p, 13);
  memory.fill(dx, 0, <usize>planes * plane << 2);
  for (let q = 0; q < planes; q++) {
    const xp = x + (<usize>q * plane << 2);
    const dxp = dx + (<usize>q * plane << 2);
    const dyp = dy + (<usize>q * <usize>(OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        poolWindow(p, xp, oh, ow);
        const at = dxp + (<usize>bestIndex << 2);
        store<f32>(at, load<f32>(at) + load<f32>(dyp + (<usize>(oh * OW + ow) << 2)));
      }
    }
  }
}
