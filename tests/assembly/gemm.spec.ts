// sgemm against a naive f64 triple loop: every size in SIZES for M, N and K, every transA/transB
// combination, accumulate on and off, with padded leading dimensions (lda/ldb/ldc > minimum).

import { sgemm, sgemmWorkspaceBytes } from "../../assembly/gemm/sgemm";
import { B_DENSE, gemmDriver, gemmWorkspaceBytes, setGemmForceWide } from "../../assembly/gemm/driver";
import { allocFilled, at, descriptor, mismatch, reseed } from "./kernel_data";
import { conv2dForward, conv2dWorkspaceBytes } from "../../assembly/conv/conv2d_forward";

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

// The wide 5×8 tile (packed A, gemm/microkernel.ts) is the relaxed-SIMD build's default for products
// of ≥ 128 columns; these specs run on the SIMD (and scalar) builds, so they force it for every size:
// partial tiles in both directions (M and N not multiples of 5 and 8), M past MC_WIDE (120) rows,
// N past NC, K split in blocks. The scalar build has no wide tile: there the same cases run the 4×4 one.
describe("sgemm, wide 5×8 tile forced", () => {
  it("A·B, all sizes", () => {
    setGemmForceWide(true);
    expect(checkAllSizes(0, 0, 0)).toBe(0);
    setGemmForceWide(false);
  });
  it("A·B accumulate, all sizes", () => {
    setGemmForceWide(true);
    expect(checkAllSizes(0, 0, 1)).toBe(0);
    setGemmForceWide(false);
  });
  it("A·Bᵀ accumulate, all sizes", () => {
    setGemmForceWide(true);
    expect(checkAllSizes(0, 1, 1)).toBe(0);
    setGemmForceWide(false);
  });
  it("Aᵀ·B keeps the 4×8 path (still correct)", () => {
    setGemmForceWide(true);
    expect(checkCase(1, 0, 13, 17, 33, 1)).toBe(0);
    setGemmForceWide(false);
  });
  it("crosses every cache block (M > MC_WIDE, N > NC, K > KC)", () => {
    setGemmForceWide(true);
    expect(checkCase(0, 0, 253, 1030, 520, 0)).toBe(0);
    expect(checkCase(0, 1, 124, 1030, 300, 1)).toBe(0);
    setGemmForceWide(false);
  });
});

/**
 * A batched conv (several small images as one GEMM: column tiles that straddle two samples), run with
 * the default tiles and with the wide tile forced: the same products in the same order per element,
 * so the outputs must be the same bits. Returns the number of differing elements.
 */
function wideConvDiffers(n: i32, c: i32, hw: i32, k: i32, kernel: i32, pad: i32): i32 {
  const o = hw + 2 * pad - kernel + 1;
  const p = descriptor([n, c, hw, hw, k, kernel, kernel, 1, 1, pad, pad, 1, 1, 1, o, o]);
  const x = allocFilled(n * c * hw * hw), w = allocFilled(k * c * kernel * kernel), b = allocFilled(k);
  const count = n * k * o * o;
  const y0 = heap.alloc(<usize>count << 2), y1 = heap.alloc(<usize>count << 2);
  const ws = heap.alloc(max<usize>(conv2dWorkspaceBytes(p, 0), 16));
  conv2dForward(p, x, w, b, y0, ws);
  setGemmForceWide(true);
  conv2dForward(p, x, w, b, y1, ws);
  setGemmForceWide(false);
  let bad = 0;
  for (let i = 0; i < count; i++) {
    if (load<u32>(y0 + (<usize>i << 2)) != load<u32>(y1 + (<usize>i << 2))) bad++;
  }
  heap.free(p); heap.free(x); heap.free(w); heap.free(b); heap.free(y0); heap.free(y1); heap.free(ws);
  return bad;
}

describe("conv2d forward, wide 5×8 tile forced", () => {
  it("batched 3×3 and 1×1 convs give the same bits as the default tiles", () => {
    expect(wideConvDiffers(3, 5, 7, 7, 3, 1)).toBe(0);  // 49 px per sample: tiles straddle samples
    expect(wideConvDiffers(2, 6, 5, 13, 1, 0)).toBe(0); // pointwise, 25 px, 13 rows = 2·5 + 3
    expect(wideConvDiffers(1, 4, 12, 9, 3, 1)).toBe(0); // one image, 144 px
  });
});

// A last B panel with ONE real column (N = 8q + 1, e.g. 49 output pixels) runs the one-column kernel
// (microKernelColumn: lanes = rows, all rows of an A block at once); N = 2, 9 (2 / 1 real columns),
// 57 around it. M not a multiple of 4 (and past MC / MC_WIDE), K not a multiple of 4 and past KC;
// packed A (Aᵀ) and direct A (A), accumulate; bias and per-row scale through gemmDriver.
const COL_N: i32[] = [1, 2, 9, 49, 57];
const COL_M: i32[] = [1, 5, 13, 27, 101, 253];
const COL_K: i32[] = [3, 7, 64, 300];

function checkColumnSizes(transA: i32, accumulate: i32): i32 {
  let failures = 0;
  for (let a = 0; a < COL_M.length; a++) {
    for (let b = 0; b < COL_N.length; b++) {
      for (let c = 0; c < COL_K.length; c++) {
        const M = COL_M[a], N = COL_N[b], K = COL_K[c];
        if (checkCase(transA, 0, M, N, K, accumulate) != 0 || checkCase(transA, 1, M, N, K, accumulate) != 0) {
          if (failures++ < 5) log<string>("mismatch M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString());
        }
      }
    }
  }
  return failures;
}

/**
 * C = diag(scale)·(op(A)·B + bias) (+ C) via gemmDriver for N columns, checked against f64; then the
 * same product for N + 7 columns (B's extra columns arbitrary), whose column N − 1 sits in a full
 * panel: the first N columns must be the same bits (every kernel sums each element in the same order).
 * Returns the number of bad elements.
 */
function checkDriverColumn(transA: i32, M: i32, N: i32, K: i32, accumulate: i32, withBias: bool, withScale: bool): i32 {
  const N2 = N + 7;
  const lda = (transA ? M : K) + 1, aRows = transA ? K : M;
  const A = allocFilled(aRows * lda), B = allocFilled(K * N2);
  const bias = allocFilled(M), scale = allocFilled(M);
  const C = allocFilled(M * N), C0 = heap.alloc(<usize>(M * N) << 2), C2 = heap.alloc(<usize>(M * N2) << 2);
  memory.copy(C0, C, <usize>(M * N) << 2);
  for (let i = 0; i < M; i++) memory.copy(C2 + (<usize>(i * N2) << 2), C0 + (<usize>(i * N) << 2), <usize>N << 2);
  const ws = heap.alloc(max<usize>(gemmWorkspaceBytes(M, N2, K), 16));
  const sc: usize = withScale ? scale : 0, bi: usize = withBias ? bias : 0;
  gemmDriver(M, N, K, A, lda, transA, sc, B_DENSE, B, N2, 0, 0, C, N, accumulate, bi, ws);
  gemmDriver(M, N2, K, A, lda, transA, sc, B_DENSE, B, N2, 0, 0, C2, N2, accumulate, bi, ws);
  let bad = 0;
  for (let i = 0; i < M; i++) {
    const s: f64 = withScale ? <f64>at(scale, i) : 1;
    for (let j = 0; j < N; j++) {
      let ref: f64 = withBias ? <f64>at(bias, i) : 0;
      let magnitude: f64 = Math.abs(ref);
      for (let k = 0; k < K; k++) {
        const a = <f64>(transA ? at(A, k * lda + i) : at(A, i * lda + k)), b = <f64>at(B, k * N2 + j);
        ref += a * b;
        magnitude += Math.abs(a * b);
      }
      ref *= s; magnitude *= Math.abs(s);
      if (accumulate) { ref += <f64>at(C0, i * N + j); magnitude += Math.abs(<f64>at(C0, i * N + j)); }
      bad += mismatch(<f64>at(C, i * N + j), ref, magnitude);
      if (load<u32>(C + (<usize>(i * N + j) << 2)) != load<u32>(C2 + (<usize>(i * N2 + j) << 2))) bad++;
    }
  }
  heap.free(A); heap.free(B); heap.free(bias); heap.free(scale); heap.free(C); heap.free(C0); heap.free(C2); heap.free(ws);
  return bad;
}

function checkDriverColumns(transA: i32, accumulate: i32, withBias: bool, withScale: bool): i32 {
  let failures = 0;
  for (let a = 0; a < COL_M.length; a++) {
    for (let b = 0; b < COL_N.length; b++) {
      for (let c = 0; c < COL_K.length; c++) {
        const M = COL_M[a], N = COL_N[b], K = COL_K[c];
        if (checkDriverColumn(transA, M, N, K, accumulate, withBias, withScale) != 0) {
          if (failures++ < 5) log<string>("mismatch M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString());
        }
      }
    }
  }
  return failures;
}

describe("gemm, a last panel with one real column (N = 1, 2, 9, 49, 57)", () => {
  it("direct A (A·B, A·Bᵀ)", () => { expect(checkColumnSizes(0, 0)).toBe(0); });
  it("direct A, accumulate", () => { expect(checkColumnSizes(0, 1)).toBe(0); });
  it("packed A (Aᵀ·B, Aᵀ·Bᵀ)", () => { expect(checkColumnSizes(1, 0)).toBe(0); });
  it("packed A, accumulate", () => { expect(checkColumnSizes(1, 1)).toBe(0); });
  it("direct A, bias, same bits as a full panel", () => { expect(checkDriverColumns(0, 0, true, false)).toBe(0); });
  it("direct A, bias + accumulate, same bits", () => { expect(checkDriverColumns(0, 1, true, false)).toBe(0); });
  it("packed A, bias + scale, same bits", () => { expect(checkDriverColumns(0, 0, true, true)).toBe(0); });
  it("packed A (Aᵀ), bias + scale + accumulate, same bits", () => { expect(checkDriverColumns(1, 1, true, true)).toBe(0); });
  it("wide tile forced: bias, accumulate, same bits", () => {
    setGemmForceWide(true);
    expect(checkDriverColumns(0, 1, true, false)).toBe(0);
    expect(checkDriverColumns(0, 0, true, true)).toBe(0);
    setGemmForceWide(false);
  });
  it("batched 7×7 convs (one-column panels inside samples) match the wide tile's bits", () => {
    expect(wideConvDiffers(1, 9, 7, 13, 3, 1)).toBe(0);
    expect(wideConvDiffers(2, 6, 7, 11, 1, 0)).toBe(0);
  });
});

