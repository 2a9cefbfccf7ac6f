// The latent expansion p: y[n] (+)= P·z[n], a 1×1 conv L → Cout done as one gemm per sample and block
// (block b: Cout/B output rows from lb = L/B latent rows), accumulating straight into the output so the
// dynamic residual is added without another pass. P is (Cout, lb) row-major (PyTorch (Cout, lb, 1, 1)).
import { gemm, gemmWorkspaceBytes } from "./gemm";
import { B_DENSE, gemmDriver } from "../gemm/driver";

/** Workspace of dcdProjectForward / dcdProjectBackward. */
export function dcdProjectWorkspaceBytes(Cout: i32, L: i32, B: i32, HW: i32): usize {
  const cb = Cout / B, lb = L / B;
  const a = gemmWorkspaceBytes(cb, HW, lb);
  const b = gemmWorkspaceBytes(lb, HW, cb);
  const c = gemmWorkspaceBytes(cb, lb, HW);
  return max(a, max(b, c));
}

/** y = P·z (+ y when accumulate = 1) per sample and block; y is (N, Cout, HW), z (N, L, HW). */
export function dcdProjectForward(N: i32, Cout: i32, L: i32, B: i32, HW: i32, P: usize, z: usize, y: usize, accumulate: i32, ws: usize): void {
  const cb = Cout / B, lb = L / B;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const Pb = P + (<usize>b * cb * lb << 2);
      const zb = z + ((<usize>n * L + b * lb) * HW << 2);
      const yb = y + ((<usize>n * Cout + b * cb) * HW << 2);
      gemm(0, 0, cb, HW, lb, Pb, lb, zb, HW, yb, HW, accumulate, ws);
    }
  }
}

/**
 * One sample's y = act(y + P·z + postBias + residual): the projection, the last write of a DCD layer's
 * y, with an inference plan's fused output in the gemm's own epilogue (postBias as its per-row bias,
 * residual and clamp on each finished block while it is in cache) instead of one more pass over y
 * (dcd/epilogue.ts; that pass was 5.6 % of a planned DCD-MobileNetV2). postBias / residual may be 0.
 */
export function dcdProjectForwardFused(Cout: i32, L: i32, B: i32, HW: i32, P: usize, z: usize, y: usize,
  postBias: usize, residual: usize, lo: f32, hi: f32, ws: usize): void {
  const cb = Cout / B, lb = L / B;
  for (let b = 0; b < B; b++) {
    const rows = <usize>b * cb;
    gemmDriver(cb, HW, lb, P + (rows * lb << 2), lb, 0, 0, B_DENSE, z + (<usize>b * lb * HW << 2), HW, 0, 0,
      y + (rows * HW << 2), HW, 1, postBias != 0 ? postBias + (rows << 2) : 0, ws, 0, 0, 0, 0,
      residual != 0 ? residual + (rows * HW << 2) : 0, lo, hi);
  }
}

/** dz = Pᵀ·dy per sample and block (overwrites; 0 = skip); dP = Σ_n dy[n]·z[n]ᵀ (overwrites; 0 = skip). */
export function dcdProjectBackward(N: i32, Cout: i32, L: i32, B: i32, HW: i32, P: usize, z: usize, dy: usize, dz: usize, dP: usize, ws: usize): void {
  const cb = Cout / B, lb = L / B;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const Pb = P + (<usize>b * cb * lb << 2);
      const zb = z + ((<usize>n * L + b * lb) * HW << 2);
      const dyb = dy + ((<usize>n * Cout + b * cb) * HW << 2);
      if (dz) gemm(1, 0, lb, HW, cb, Pb, lb, dyb, HW, dz + ((<usize>n * L + b * lb) * HW << 2), HW, 0, ws);
      if (dP) gemm(0, 1, cb, lb, HW, dyb, HW, zb, HW, dP + (<usize>b * cb * lb << 2), lb, n > 0 ? 1 : 0, ws);
    }
  }
}
