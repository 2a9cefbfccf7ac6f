// Fully connected layer on the shared GEMM:  y = x·Wᵀ + b,  x (N, IN), W (OUT, IN), b (OUT).
// Backward: dx = dy·W, dW = dyᵀ·x, db = column sums of dy.

import { gemvRows } from "../gemm/gemv";
import { sgemm, sgemmWorkspaceBytes } from "../gemm/sgemm";

/**
 * Up to this many samples the forward is one GEMV per sample (gemm/gemv.ts: W read in place once per
 * sample) instead of the GEMM driver, which packs all of W for a handful of output rows: a classifier
 * at batch 1 (ResNet-50's 2048→1000: 8 MB of W packed per image).
 */
const GEMV_MAX_ROWS: i32 = 2;

/**
 * yPart (+)= x[rows]·W[cols]ᵀ: rows samples of x (row stride IN), cols output features of W (row stride IN),
 * y row stride OUT. The forward's product, shared with linear_part.ts so a thread's columns sum alike.
 */
export function linearProduct(rows: i32, cols: i32, IN: i32, OUT: i32, x: usize, w: usize, yPart: usize,
  accumulate: i32, ws: usize): void {
  if (rows <= GEMV_MAX_ROWS && IN > 0) {
    for (let n = 0; n < rows; n++) gemvRows(cols, IN, w, IN, x + (<usize>n * IN << 2), yPart + (<usize>n * OUT << 2), accumulate);
    return;
  }
  sgemm(0, 1, rows, cols, IN, x, IN, w, IN, yPart, OUT, accumulate, ws);
}

/** One workspace size serves forward and backward (the largest of the three GEMMs). */
export function linearWorkspaceBytes(N: i32, IN: i32, OUT: i32): usize {
  const forward = sgemmWorkspaceBytes(N, OUT, IN);
  const dx = sgemmWorkspaceBytes(N, IN, OUT);
  const dw = sgemmWorkspaceBytes(OUT, IN, N);
  return max(forward, max(dx, dw));
}

/** y = x·Wᵀ + b (b = 0: no bias). Overwrites y. */
export function linearForward(N: i32, IN: i32, OUT: i32, x: usize, w: usize, b: usize, y: usize, ws: usize): void {
  // The bias runs along y's columns: seed every row with it, then accumulate the product.
  if (b) {
    const rowBytes = <usize>OUT << 2;
    for (let n = 0; n < N; n++) memory.copy(y + <usize>n * rowBytes, b, rowBytes);
  }
  linearProduct(N, OUT, IN, OUT, x, w, y, b ? 1 : 0, ws);
}

/** dx = dy·W, dW = dyᵀ·x, db = Σ_n dy (each output may be 0 = skip). Overwrites. */
export function linearBackward(
  N: i32, IN: i32, OUT: i32,
  x: usize, w: usize, dy: usize,
  dx: usize, dw: usize, db: usize,
  ws: usize,
): void {
  if (dx) sgemm(0, 0, N, IN, OUT, dy, OUT, w, IN, dx, IN, 0, ws);
  if (dw) sgemm(1, 0, OUT, IN, N, dy, OUT, x, IN, dw, IN, 0, ws);
  if (db) columnSums(N, OUT, dy, db);
}

/** db[o] = Σ_n dy[n][o], walking dy row by row (unit stride). */
function columnSums(N: i32, OUT: i32, dy: usize, db: usize): void {
  memory.fill(db, 0, <usize>OUT << 2);
  for (let n = 0; n < N; n++) {
    const row = dy + ((<usize>n * OUT) << 2);
    let o = 0;
    if (ASC_FEATURE_SIMD) {
      for (; o + 4 <= OUT; o += 4) {
        const at = db + (<usize>o << 2);
        v128.store(at, f32x4.add(v128.load(at), v128.load(row + (<usize>o << 2))));
      }
    }
    for (; o < OUT; o++) {
      const at = db + (<usize>o << 2);
      store<f32>(at, load<f32>(at) + load<f32>(row + (<usize>o << 2)));
    }
  }
}
