// 2-D average pooling as PyTorch's CPU avg_pool2d (NCHW, f32, byte offsets, no allocation).
// Descriptor `p`: the 16-i32 pool descriptor of maxpool.ts ([14] = countIncludePad; dilation unused).
//
// PyTorch's divisor rule: a window [h0, h0 + KH) is first clipped to the padded input (H + PH), its
// size there is the divisor when countIncludePad; then it is clipped to the input, whose size is the
// divisor otherwise. (ceil_mode windows that hang past the right padding count only up to it.)
import { addRun, sumRun } from "./pool";

// @ts-ignore: decorator
@inline function dim(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// The clipped window of the last clipWindow call (globals: kernels never allocate).
let h0: i32 = 0;
let h1: i32 = 0;
let w0: i32 = 0;
let w1: i32 = 0;
let divisor: f32 = 1;

// @ts-ignore: decorator
@inline function clipWindow(p: usize, oh: i32, ow: i32): void {
  const H = dim(p, 2), W = dim(p, 3), PH = dim(p, 8), PW = dim(p, 9);
  let a = oh * dim(p, 6) - PH;
  let b = ow * dim(p, 7) - PW;
  let ae = min(a + dim(p, 4), H + PH);
  let be = min(b + dim(p, 5), W + PW);
  const padded = (ae - a) * (be - b);
  a = max(a, 0);
  b = max(b, 0);
  ae = min(ae, H);
  be = min(be, W);
  h0 = a; h1 = ae; w0 = b; w1 = be;
  divisor = <f32>(dim(p, 14) ? padded : (ae - a) * (be - b));
}

/** y (N, C, OH, OW) = avg_pool2d(x). */
export function avgPool2dForward(p: usize, x: usize, y: usize): void {
  const planes = dim(p, 0) * dim(p, 1);
  const W = dim(p, 3);
  const plane = <usize>dim(p, 2) * <usize>W;
  const OH = dim(p, 12), OW = dim(p, 13);
  for (let q = 0; q < planes; q++) {
    const xp = x + (<usize>q * plane << 2);
    const yp = y + (<usize>q * <usize>(OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        clipWindow(p, oh, ow);
        let s: f32 = 0;
        for (let ih = h0; ih < h1; ih++) s += sumRun(xp + (<usize>(ih * W + w0) << 2), w1 - w0);
        store<f32>(yp + (<usize>(oh * OW + ow) << 2), h0 < h1 && w0 < w1 ? s / divisor : 0);
      }
    }
  }
}

/** dx (N, C, H, W) = Σ over the windows covering each pixel of dy / divisor (overwrites dx). */
export function avgPool2dBackward(p: usize, dy: usize, dx: usize): void {
  const planes = dim(p, 0) * dim(p, 1);
  const W = dim(p, 3);
  const plane = <usize>dim(p, 2) * <usize>W;
  const OH = dim(p, 12), OW = dim(p, 13);
  memory.fill(dx, 0, <usize>planes * plane << 2);
  for (let q = 0; q < planes; q++) {
    const dxp = dx + (<usize>q * plane << 2);
    const dyp = dy + (<usize>q * <usize>(OH * OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        clipWindow(p, oh, ow);
        const g = load<f32>(dyp + (<usize>(oh * OW + ow) << 2)) / divisor;
        for (let ih = h0; ih < h1; ih++) addRun(dxp + (<usize>(ih * W + w0) << 2), w1 - w0, g);
      }
    }
  }
}
