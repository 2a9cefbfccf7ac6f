// Single-precision GEMM on linear memory:  C (+)= op(A) · op(B)
//
// All matrices are row-major; ld* are row strides in elements. op(A) is M×K, op(B) is K×N.
// transA = 1 means A is stored K×M (so op(A) = Aᵀ); likewise transB (B stored N×K).
// accumulate = 0 overwrites C, 1 adds into C.
// `workspace` must hold sgemmWorkspaceBytes(M, N, K) bytes (packing buffers).
//
// FIRST VERSION: plain loops, correct for every argument combination. The optimised
// packed/register-blocked version replaces the body; the signature is the contract.

export function sgemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  return 0;
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
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? load<f32>(A + ((<usize>k * lda + i) << 2)) : load<f32>(A + ((<usize>i * lda + k) << 2));
        const b = transB ? load<f32>(B + ((<usize>j * ldb + k) << 2)) : load<f32>(B + ((<usize>k * ldb + j) << 2));
        s += a * b;
      }
      const c = C + ((<usize>i * ldc + j) << 2);
      store<f32>(c, accumulate ? load<f32>(c) + s : s);
    }
  }
}
