// sgemm against a naive f64 triple loop: every size in SIZES for M, N and K, every transA/transB
// combination, accumulate on and off, with padded leading dimensions (lda/ldb/ldc > minimum).

import { sgemm, sgemmWorkspaceBytes } from "../../assembly/gemm/sgemm";
import { allocFilled, at, mismatch, reseed } from "./kernel_data";

const SIZES: i32[] = [1, 2, 3, 5, 7, 8, 13, 17, 33, 65];

reseed(12345);

/** Runs one case; returns the number of elements outside tolerance (0 = pass). */
function checkCase(transA: i32, transB: i32, M: i32, N: i32, K: i32, accumulate: i32): i32 {
  // stored shapes and padded leading dimensions
  const lda = (transA ? M : K) + 3, aRows = transA ? K : M;
  const ldb = (transB ? K : N) + 1, bRows = transB ? N : K;
  const ldc = N + 2;
  const A = allocFilled(aRows * lda);
  const B = allocFilled(bRows * ldb);
  const C = allocFilled(M * ldc);
  const C0 = heap.alloc(<usize>max(M * ldc, 1) << 2);
  memory.copy(C0, C, <usize>(M * ldc) << 2);
  const ws = heap.alloc(max<usize>(sgemmWorkspaceBytes(M, N, K), 16));

  sgemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ws);

  let bad = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let ref: f64 = accumulate ? <f64>at(C0, i * ldc + j) : 0;
      let magnitude: f64 = Math.abs(ref);
      for (let k = 0; k < K; k++) {
        const a = <f64>(transA ? at(A, k * lda + i) : at(A, i * lda + k));
        const b = <f64>(transB ? at(B, j * ldb + k) : at(B, k * ldb + j));
        ref += a * b;
        magnitude += Math.abs(a * b);
      }
      const got = <f64>at(C, i * ldc + j);
      bad += mismatch(got, ref, magnitude);
    }
    // the padding between rows of C must be untouched
    for (let j = N; j < ldc && i < M - 1; j++) {
      if (at(C, i * ldc + j) != at(C0, i * ldc + j)) bad++;
    }
  }
  heap.free(A); heap.free(B); heap.free(C); heap.free(C0); heap.free(ws);
  return bad;
}

/** Every (M, N, K) in SIZES³ for one trans/accumulate combination; logs the first failures. */
function checkAllSizes(transA: i32, transB: i32, accumulate: i32): i32 {
  let failures = 0;
  for (let a = 0; a < SIZES.length; a++) {
    for (let b = 0; b < SIZES.length; b++) {
      for (let c = 0; c < SIZES.length; c++) {
        const M = SIZES[a], N = SIZES[b], K = SIZES[c];
        if (checkCase(transA, transB, M, N, K, accumulate) != 0) {
          if (failures++ < 5) {
            log<string>("mismatch M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString());
          }
        }
      }
    }
  }
  return failures;
}

// as-pect callbacks cannot capture locals (no closures), so one `it` per combination.
describe("sgemm, all sizes in {1,2,3,5,7,8,13,17,33,65}³", () => {
  it("A·B", () => { expect(checkAllSizes(0, 0, 0)).toBe(0); });
  it("A·B accumulate", () => { expect(checkAllSizes(0, 0, 1)).toBe(0); });
  it("Aᵀ·B", () => { expect(checkAllSizes(1, 0, 0)).toBe(0); });
  it("Aᵀ·B accumulate", () => { expect(checkAllSizes(1, 0, 1)).toBe(0); });
  it("A·Bᵀ", () => { expect(checkAllSizes(0, 1, 0)).toBe(0); });
  it("A·Bᵀ accumulate", () => { expect(checkAllSizes(0, 1, 1)).toBe(0); });
  it("Aᵀ·Bᵀ", () => { expect(checkAllSizes(1, 1, 0)).toBe(0); });
  it("Aᵀ·Bᵀ accumulate", () => { expect(checkAllSizes(1, 1, 1)).toBe(0); });
});

describe("sgemm, blocking and edge cases", () => {
  it("crosses every cache block (M > MC, N > NC, K > KC)", () => {
    expect(checkCase(0, 0, 101, 1030, 520, 0)).toBe(0);
    expect(checkCase(1, 1, 101, 1030, 300, 1)).toBe(0);
  });

  it("K = 0 leaves C (accumulate) or zeroes it", () => {
    expect(checkCase(0, 0, 5, 7, 0, 0)).toBe(0);
    expect(checkCase(0, 1, 5, 7, 0, 1)).toBe(0);
  });

  it("reports a workspace that grows with the blocks, 0 for empty products", () => {
    expect(sgemmWorkspaceBytes(0, 5, 5)).toBe(0);
    expect(sgemmWorkspaceBytes(64, 3136, 64)).toBeGreaterThan(<usize>(64 * 1024 * 4));
  });
});
