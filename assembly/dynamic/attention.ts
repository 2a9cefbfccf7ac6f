// Attention branch of dynamic convolution (spec §2), forward and backward.
//   g = mean_{h,w} x                                           pooled (N, C)
//   mode 0, DY-Conv:  π = softmax(fc2(relu(fc1(g))) · invT)    fc1: w1 (hidden, C), b1; fc2: w2 (K, hidden), b2
//   mode 1, CondConv: π = sigmoid(routing(g))                  routing: w1 (K, C), b1; w2/b2 unused
// Forward keeps pooled, hid (= fc1(g) before the ReLU; unused in mode 1) and pi for the backward pass.

import { linearBackward, linearForward, linearWorkspaceBytes } from "../nn/linear";
import { reluBackward, reluForward, sigmoidBackward, sigmoidForward } from "../nn/activation";
import { globalAvgPoolForward } from "../nn/pool";
import { softmaxBackward, softmaxForward } from "../nn/softmax";
import { align64 } from "./vector";

const MODE_SIGMOID = 1;

/** Scratch for both passes: dz (N·K), relu(hid) and its gradient (N·hidden each), ∂g (N·C), + the Linears'. */
export function dynamicAttentionWorkspaceBytes(N: i32, C: i32, hidden: i32, K: i32): usize {
  const h = max(hidden, 1);
  const linear = max(linearWorkspaceBytes(N, C, h), max(linearWorkspaceBytes(N, h, K), linearWorkspaceBytes(N, C, K)));
  return align64(<usize>N * K << 2) + 2 * align64(<usize>N * h << 2) + align64(<usize>N * C << 2) + linear;
}

export function dynamicAttentionForward(
  N: i32, C: i32, H: i32, W: i32, hidden: i32, K: i32, mode: i32, invT: f32,
  x: usize, w1: usize, b1: usize, w2: usize, b2: usize,
  pooled: usize, hid: usize, pi: usize, ws: usize,
): void {
  globalAvgPoolForward(N, C, H, W, x, pooled);
  dynamicAttentionHead(N, C, hidden, K, mode, invT, w1, b1, w2, b2, pooled, hid, pi, ws);
}

/**
 * The forward after the pool: π from pooled (the threads build pools x across the pool's threads
 * first: bindings/backends/wasm/pool_exports_train.ts).
 */
export function dynamicAttentionHead(
  N: i32, C: i32, hidden: i32, K: i32, mode: i32, invT: f32,
  w1: usize, b1: usize, w2: usize, b2: usize, pooled: usize, hid: usize, pi: usize, ws: usize,
): void {
  if (mode == MODE_SIGMOID) {
    linearForward(N, C, K, pooled, w1, b1, pi, ws);
    sigmoidForward(N * K, pi, pi);
    return;
  }
  const relu = ws;
  const linearWs = ws + align64(<usize>N * hidden << 2);
  linearForward(N, C, hidden, pooled, w1, b1, hid, linearWs);
  reluForward(N * hidden, hid, relu);
  linearForward(N, hidden, K, relu, w2, b2, pi, linearWs);
  softmaxForward(N, K, invT, pi, pi);
}

/**
 * From ∂π (N, K): gradients of the attention parameters (dw1, db1, dw2, db2; overwritten) and the
 * attention path's share of ∂x, ADDED into dx (dx already holds the convolution path).
 */
export function dynamicAttentionBackward(
  N: i32, C: i32, H: i32, W: i32, hidden: i32, K: i32, mode: i32, invT: f32,
  pooled: usize, hid: usize, pi: usize, dpi: usize, w1: usize, w2: usize,
  dw1: usize, db1: usize, dw2: usize, db2: usize, dx: usize, ws: usize,
): void {
  const dpooled = dynamicAttentionBackwardHead(N, C, hidden, K, mode, invT, pooled, hid, pi, dpi, w1, w2, dw1, db1, dw2, db2, ws);
  addPoolGradient(N * C, H * W, dpooled, dx);
}

/**
 * The backward up to ∂g (N, C), which it leaves in ws and returns the address of; dynamicAttentionBackward
 * then adds ∂g / (H·W) into dx (the threads build: dynamicAttentionPoolGradPart, by planes).
 */
export function dynamicAttentionBackwardHead(
  N: i32, C: i32, hidden: i32, K: i32, mode: i32, invT: f32,
  pooled: usize, hid: usize, pi: usize, dpi: usize, w1: usize, w2: usize,
  dw1: usize, db1: usize, dw2: usize, db2: usize, ws: usize,
): usize {
  const h = max(hidden, 1);
  const dz = ws;
  const relu = dz + align64(<usize>N * K << 2);
  const drelu = relu + align64(<usize>N * h << 2);
  const dpooled = drelu + align64(<usize>N * h << 2);
  const linearWs = dpooled + align64(<usize>N * C << 2);
  if (mode == MODE_SIGMOID) {
    sigmoidBackward(N * K, pi, dpi, dz);
    linearBackward(N, C, K, pooled, w1, dz, dpooled, dw1, db1, linearWs);
  } else {
    softmaxBackward(N, K, invT, pi, dpi, dz);
    reluForward(N * hidden, hid, relu);
    linearBackward(N, hidden, K, relu, w2, dz, drelu, dw2, db2, linearWs);
    reluBackward(N * hidden, hid, drelu, drelu);
    linearBackward(N, C, hidden, pooled, w1, drelu, dpooled, dw1, db1, linearWs);
  }
  return dpooled;
}

/** dx[q, :] += dg[q] / plane for each of `planes` planes (the mean pool's backward, accumulated). */
export function addPoolGradient(planes: i32, plane: i32, dg: usize, dx: usize): void {
  const inv: f32 = 1.0 / <f32>plane;
  for (let q = 0; q < planes; q++) {
    const g = load<f32>(dg + (<usize>q << 2)) * inv;
    const row = dx + (<usize>q * plane << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const gv = f32x4.splat(g);
      for (; i + 4 <= plane; i += 4) v128.store(row + (<usize>i << 2), f32x4.add(v128.load(row + (<usize>i << 2)), gv));
    }
    for (; i < plane; i++) store<f32>(row + (<usize>i << 2), load<f32>(row + (<usize>i << 2)) + g);
  }
}
