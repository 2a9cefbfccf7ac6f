// The blocked GEMM driver shared by sgemm, conv2d and linear (BLIS loop order):
//
//   for jc (NC columns)  for pc (KC depth): pack B block     — B block reused by every A block
//     for ic (MC rows): pack A block                          — stays in L2
//       for jr (NR)  for ir (MR): micro-kernel                — B micro-panel stays in L1
//
// C (+)= diag(scale)·op(A)·op(B) + diag(scale)·bias, where `scale` / `bias` (0 = none) are per row.
// B comes either from a dense matrix (B_DENSE) or straight from an image (B_CONV, implicit
// im2col; then B is the sample/group's input and ldb/transB are unused, `convP` the descriptor).
// `colOffset` (B_CONV only) is the image column (output pixel) that C's column 0 stands for, so a
// thread can run a column range of one conv GEMM (C then points at that range).

import { KC, MC, MR, NC, NR, align64, roundUp } from "./config";
import { packA } from "./pack_a";
import { packB } from "./pack_b";
import { packBConv } from "./pack_b_conv";
import { microKernel, microKernelDirect, microKernelDirectEdge, microKernelEdge } from "./microkernel";

export const B_DENSE: i32 = 0;
export const B_CONV: i32 = 1;

// @ts-ignore: decorator
@inline function packedBBytes(N: i32, K: i32): usize {
  return align64((<usize>min(K, KC) * roundUp(min(N, NC), NR)) << 2);
}

// @ts-ignore: decorator
@inline function packedABytes(M: i32, K: i32): usize {
  return align64((<usize>roundUp(min(M, MC), MR) * min(K, KC)) << 2);
}

/** Workspace the driver needs for an M×N×K product (+64 so any 16-aligned pointer can be realigned). */
export function gemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return packedBBytes(N, K) + packedABytes(M, K) + align64((<usize>MR * NR) << 2) + 64;
}

export function gemmDriver(
  M: i32, N: i32, K: i32,
  A: usize, lda: i32, transA: i32, scale: usize,
  bKind: i32, B: usize, ldb: i32, transB: i32, convP: usize,
  C: usize, ldc: i32, accumulate: i32, bias: usize,
  workspace: usize,
  colOffset: i32 = 0,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    fillWithoutProduct(M, N, C, ldc, accumulate, bias, scale);
    return;
  }
  const packedB = align64(workspace);
  const packedA = packedB + packedBBytes(N, K);
  const tile = packedA + packedABytes(M, K);
  const ldcBytes = <usize>ldc << 2;
  // split K into equal blocks (≤ KC) so no block is a thin remainder (e.g. 576 = 288 + 288)
  const kcStep = ceilDiv(K, ceilDiv(K, KC));
  // SIMD: a plain (not transposed, not scaled) A is read in place by the direct micro-kernels
  // instead of being packed per block (microkernel.ts); not when rows are a multiple of 8 KiB
  // apart, where the rows of an A block would crowd the same cache sets.
  const directA = ASC_FEATURE_SIMD && !transA && !scale && (lda & 2047) != 0;
  const ldaBytes = <usize>lda << 2;

  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      if (bKind == B_CONV) packBConv(convP, B, pc, kc, colOffset + jc, nc, packedB);
      else packB(B, ldb, transB, pc, kc, jc, nc, packedB);
      const loadC = pc > 0 || accumulate != 0;
      const last = pc + kc >= K;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        if (!directA) packA(A, lda, transA, ic, mc, pc, kc, scale, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bPanel = packedB + ((<usize>jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const i = ic + ir;
            const aPanel = packedA + ((<usize>ir * kc) << 2);
            const c = C + ((<usize>i * ldc + jc + jr) << 2);
            const rowBias = last && bias ? bias + (<usize>i << 2) : 0;
            const rowScale = scale ? scale + (<usize>i << 2) : 0;
            if (directA) {
              const aRow = A + ((<usize>i * lda + pc) << 2);
              if (rows == MR && cols == NR) {
                microKernelDirect(kc, aRow, ldaBytes, bPanel, c, ldcBytes, loadC, rowBias);
              } else {
                microKernelDirectEdge(kc, aRow, ldaBytes, bPanel, c, ldcBytes, rows, cols, loadC, rowBias, tile);
              }
            } else if (rows == MR && cols == NR) {
              microKernel(kc, aPanel, bPanel, c, ldcBytes, loadC, rowBias, rowScale);
            } else {
              microKernelEdge(kc, aPanel, bPanel, c, ldcBytes, rows, cols, loadC, rowBias, rowScale, tile);
            }
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return (a + b - 1) / b;
}

/** K = 0: the product is empty, so C = (accumulate ? C : 0) + scale·bias. */
function fillWithoutProduct(M: i32, N: i32, C: usize, ldc: i32, accumulate: i32, bias: usize, scale: usize): void {
  for (let i = 0; i < M; i++) {
    let b: f32 = bias ? load<f32>(bias + (<usize>i << 2)) : 0;
    if (bias && scale) b *= load<f32>(scale + (<usize>i << 2));
    const row = C + ((<usize>i * ldc) << 2);
    for (let j = 0; j < N; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(at, accumulate ? load<f32>(at) + b : b);
    }
  }
}
