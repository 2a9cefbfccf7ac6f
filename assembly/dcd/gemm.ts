// Thin wrappers over sgemm for the DCD kernels: empty products (a Linear with 0 inputs, as conv_dy's
// fc.0 when Cin < 16) must give zeros, and 16-byte-aligned workspace carving.
import { sgemm, sgemmWorkspaceBytes } from "../gemm/sgemm";
import { linearProduct } from "../nn/linear";

/** C (+)= op(A)·op(B) as sgemm, but K = 0 writes zeros (or leaves C when accumulating) and M or N = 0 is a no-op. */
export function gemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, accumulate: i32, ws: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) {
      for (let i = 0; i < M; i++) memory.fill(C + (<usize>i * ldc << 2), 0, <usize>N << 2);
    }
    return;
  }
  sgemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ws);
}

/** Workspace of one gemm call (0 for the empty cases gemm handles itself). */
export function gemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  return M > 0 && N > 0 && K > 0 ? sgemmWorkspaceBytes(M, N, K) : 0;
}

/** Bytes of `count` f32, rounded up to 64 so carved sub-blocks stay aligned. */
// @ts-ignore: decorator
@inline export function f32Block(count: i32): usize {
  return ((<usize>count << 2) + 63) & ~(<usize>63);
}

/**
 * y (N×O) = x (N×I) · Wᵀ, W (O×I): a Linear without bias — at batch ≤ 2 one GEMV per sample (the
 * branch's fc_phi of a 960→160 DYModule is 200 → 1600: packing it for one row was ~25 % of the layer).
 */
export function linearNoBias(N: i32, I: i32, O: i32, x: usize, w: usize, y: usize, ws: usize): void {
  linearProduct(N, O, I, O, x, w, y, 0, ws);
}
