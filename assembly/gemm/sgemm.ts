// Single-precision GEMM on linear memory:  C (+)= op(A) · op(B)
//
// All matrices are row-major; ld* are row strides in elements. op(A) is M×K, op(B) is K×N.
// transA = 1 means A is stored K×M (so op(A) = Aᵀ); likewise transB (B stored N×K).
// accumulate = 0 overwrites C, 1 adds into C.
// `workspace` must hold sgemmWorkspaceBytes(M, N, K) bytes (packing buffers).
// The work is done by the packed, cache-blocked driver (driver.ts).

import { B_DENSE, gemmDriver, gemmWorkspaceBytes } from "./driver";

export function sgemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  return gemmWorkspaceBytes(M, N, K);
}

export function sgemm(
  transA: i32, transB: i32,
  M: i32, N: i32, K: i32,
  A: usize, lda: i32,
  B: usize, ldb: i32,
  C: usize, ldc: i32,
  accumulate: i32,
  workspace: usize,
): void {
  gemmDriver(M, N, K, A, lda, transA, 0, B_DENSE, B, ldb, transB, 0, C, ldc, accumulate, 0, workspace);
}
