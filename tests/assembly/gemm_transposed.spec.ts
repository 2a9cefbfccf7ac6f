// A transposed A read in place (gemm/microkernel.ts, "transposed A in place"; SIMD builds): each
// kernel must give the same bits as its packed-A twin on the same values (the threads build's parts
// and the backward's fixtures rely on every path summing in one order), and the driver's products
// must match an f64 reference and the packed path (taken when A's rows are a multiple of 4 KiB apart)
// bit for bit — with M not a multiple of 4 or of MC (the packed last rows), K past KC, one-column
// panels, accumulate, bias, and columns batched over samples (tiles straddling two samples).

import { gemmDriver, gemmWorkspaceBytes, B_DENSE } from "../../assembly/gemm/driver";
import { packA } from "../../assembly/gemm/pack_a";
import { packB } from "../../assembly/gemm/pack_b";
import {
  microKernel, microKernelColumn, microKernelColumnTransposed, microKernelEdge, microKernelToTile,
  microKernelTransposed, microKernelTransposedEdge, microKernelTransposedToTile,
} from "../../assembly/gemm/microkernel";
import { MR, NR } from "../../assembly/gemm/config";
import { allocFilled, at, bitsDiffer, mismatch, reseed } from "./kernel_data";

reseed(24680);

const KCS: i32[] = [1, 2, 3, 8, 33, 256];

/**
 * Every tile kernel at every kc in KCS on a transposed A (kc × 23, the tile at columns 4..7 or
 * 8..11 of it) against the packed kernels, loadC on and off with a bias; plus the f64 reference
 * for the full tile. Returns the number of bad elements.
 */
function tileKernelsDiffer(): i32 {
  if (!ASC_FEATURE_SIMD) return 0; // SIMD-only kernels (the scalar driver never calls them)
  const lda = 23, ldc = 11, i0 = 4;
  let bad = 0;
  for (let t = 0; t < KCS.length; t++) {
    const kc = KCS[t];
    const A = allocFilled(kc * lda), B = allocFilled(kc * NR), bias = allocFilled(MR), C0 = allocFilled(MR * ldc);
    const packedA = heap.alloc(<usize>(MR * kc) << 2), packedB = heap.alloc(<usize>(kc * NR) << 2);
    const tile = heap.alloc(<usize>(MR * NR) << 2), tile2 = heap.alloc(<usize>(MR * NR) << 2);
    const C1 = heap.alloc(<usize>(MR * ldc) << 2), C2 = heap.alloc(<usize>(MR * ldc) << 2);
    for (let shift = 0; shift < 2; shift++) {
      const i = i0 + 4 * shift, a = A + (<usize>i << 2), ldaBytes = <usize>lda << 2, ldcBytes = <usize>ldc << 2;
      packA(A, lda, 1, i, MR, 0, kc, 0, packedA);
      packB(B, NR, 0, 0, kc, 0, NR, packedB);
      for (let loadC = 0; loadC < 2; loadC++) {
        memory.copy(C1, C0, <usize>(MR * ldc) << 2);
        memory.copy(C2, C0, <usize>(MR * ldc) << 2);
        microKernelTransposed(kc, a, ldaBytes, packedB, C1, ldcBytes, loadC != 0, bias);
        microKernel(kc, packedA, packedB, C2, ldcBytes, loadC != 0, bias, 0);
        bad += bitsDiffer(C1, C2, MR * ldc);
        for (let r = 0; r < MR; r++) {
          for (let j = 0; j < NR; j++) {
            let ref: f64 = at(bias, r) + (loadC ? at(C0, r * ldc + j) : 0);
            let mag: f64 = Math.abs(ref);
            for (let k = 0; k < kc; k++) {
              const p = at(A, k * lda + i + r) * at(B, k * NR + j);
              ref += p; mag += Math.abs(p);
            }
            bad += mismatch(at(C1, r * ldc + j), ref, mag);
          }
        }
        for (let cols = 1; cols < NR; cols++) {
          memory.copy(C1, C0, <usize>(MR * ldc) << 2);
          memory.copy(C2, C0, <usize>(MR * ldc) << 2);
          microKernelTransposedEdge(kc, a, ldaBytes, packedB, C1, ldcBytes, cols, loadC != 0, bias, tile);
          microKernelEdge(kc, packedA, packedB, C2, ldcBytes, MR, cols, loadC != 0, bias, 0, tile);
          bad += bitsDiffer(C1, C2, MR * ldc);
        }
      }
      microKernelTransposedToTile(kc, a, ldaBytes, packedB, tile);
      microKernelToTile(kc, packedA, 0, MR, packedB, tile2);
      bad += bitsDiffer(tile, tile2, MR * NR);
    }
    heap.free(A); heap.free(B); heap.free(bias); heap.free(C0); heap.free(packedA); heap.free(packedB);
    heap.free(tile); heap.free(tile2); heap.free(C1); heap.free(C2);
  }
  return bad;
}

/** microKernelColumnTransposed for 4…52 rows (16-row and 4-row groups) vs microKernelColumn on packed panels. */
function columnKernelDiffers(): i32 {
  if (!ASC_FEATURE_SIMD) return 0;
  const ROWS: i32[] = [4, 8, 12, 16, 20, 36, 52];
  let bad = 0;
  for (let t = 0; t < KCS.length; t++) {
    for (let s = 0; s < ROWS.length; s++) {
      const kc = KCS[t], rows = ROWS[s], lda = rows + 5, ldc = 3;
      const A = allocFilled(kc * lda), B = allocFilled(kc * NR), bias = allocFilled(rows), C0 = allocFilled(rows * ldc);
      const packedA = heap.alloc(<usize>(rows * kc) << 2), packedB = heap.alloc(<usize>(kc * NR) << 2);
      const tile = heap.alloc(16 << 2);
      const C1 = heap.alloc(<usize>(rows * ldc) << 2), C2 = heap.alloc(<usize>(rows * ldc) << 2);
      packA(A, lda, 1, 0, rows, 0, kc, 0, packedA);
      packB(B, NR, 0, 0, kc, 0, NR, packedB);
      for (let loadC = 0; loadC < 2; loadC++) {
        memory.copy(C1, C0, <usize>(rows * ldc) << 2);
        memory.copy(C2, C0, <usize>(rows * ldc) << 2);
        microKernelColumnTransposed(kc, A, <usize>lda << 2, rows, packedB, C1, <usize>ldc << 2, loadC != 0, bias, tile);
        microKernelColumn(kc, packedA, 0, rows, packedB, C2, <usize>ldc << 2, loadC != 0, bias, 0, tile);
        bad += bitsDiffer(C1, C2, rows * ldc);
      }
      heap.free(A); heap.free(B); heap.free(bias); heap.free(C0); heap.free(packedA); heap.free(packedB);
      heap.free(tile); heap.free(C1); heap.free(C2);
    }
  }
  return bad;
}

/**
 * C (+)= Aᵀ·B (+ bias) through gemmDriver with A (stored K×M) at lda = M + 3 (read in place) and
 * at lda = 1024 (packed), columns in samples of segCols (0 = one matrix; B and C samples then sit
 * back to back). Returns the number of elements off the f64 reference or differing in bits.
 */
function driverDiffers(M: i32, N: i32, K: i32, accumulate: i32, withBias: bool, segCols: i32): i32 {
  const seg = segCols ? segCols : N, samples = (N + seg - 1) / seg;
  const ldb = seg, ldc = seg;
  const bSeg = <usize>(K * ldb) << 2, cSeg = <usize>(M * ldc) << 2;
  const ldNear = M + 3, ldFar = 1024;
  const A = allocFilled(K * ldNear), Afar = heap.alloc(<usize>(K * ldFar) << 2);
  for (let k = 0; k < K; k++) memory.copy(Afar + (<usize>(k * ldFar) << 2), A + (<usize>(k * ldNear) << 2), <usize>M << 2);
  const B = allocFilled(samples * K * ldb), bias = allocFilled(M);
  const C0 = allocFilled(samples * M * ldc);
  const C1 = heap.alloc(<usize>samples * cSeg), C2 = heap.alloc(<usize>samples * cSeg);
  memory.copy(C1, C0, <usize>samples * cSeg);
  memory.copy(C2, C0, <usize>samples * cSeg);
  const ws = heap.alloc(gemmWorkspaceBytes(M, N, K) + 64);
  const bi: usize = withBias ? bias : 0;
  gemmDriver(M, N, K, A, ldNear, 1, 0, B_DENSE, B, ldb, 0, 0, C1, ldc, accumulate, bi, ws, 0,
    segCols, segCols ? bSeg : 0, segCols ? cSeg : 0);
  gemmDriver(M, N, K, Afar, ldFar, 1, 0, B_DENSE, B, ldb, 0, 0, C2, ldc, accumulate, bi, ws, 0,
    segCols, segCols ? bSeg : 0, segCols ? cSeg : 0);
  let bad = bitsDiffer(C1, C2, samples * M * ldc);
  for (let j = 0; j < N; j++) {
    const s = j / seg, q = j - s * seg;
    for (let i = 0; i < M; i++) {
      const ci = s * M * ldc + i * ldc + q;
      let ref: f64 = (withBias ? at(bias, i) : 0) + (accumulate ? at(C0, ci) : 0);
      let mag: f64 = Math.abs(ref);
      for (let k = 0; k < K; k++) {
        const p = at(A, k * ldNear + i) * at(B, s * K * ldb + k * ldb + q);
        ref += p; mag += Math.abs(p);
      }
      bad += mismatch(at(C1, ci), ref, mag);
    }
  }
  heap.free(A); heap.free(Afar); heap.free(B); heap.free(bias); heap.free(C0); heap.free(C1); heap.free(C2); heap.free(ws);
  return bad;
}

describe("gemm, transposed A read in place", () => {
  it("4×8, edge and to-tile kernels: the packed kernels' bits, the f64 reference", () => {
    expect(tileKernelsDiffer()).toBe(0);
  });
  it("one-column kernel: microKernelColumn's bits (16- and 4-row groups)", () => {
    expect(columnKernelDiffers()).toBe(0);
  });
  it("driver: M = 4…101 (packed last rows, past MC), K past KC, one-column panels, bias", () => {
    const Ms: i32[] = [4, 13, 96, 101], Ns: i32[] = [1, 9, 49, 57], Ks: i32[] = [5, 300];
    let bad = 0;
    for (let a = 0; a < Ms.length; a++) for (let b = 0; b < Ns.length; b++) for (let c = 0; c < Ks.length; c++) {
      bad += driverDiffers(Ms[a], Ns[b], Ks[c], 0, true, 0);
      bad += driverDiffers(Ms[a], Ns[b], Ks[c], 1, false, 0);
    }
    expect(bad).toBe(0);
  });
  it("driver: columns batched over samples (tiles straddling two samples), accumulate", () => {
    expect(driverDiffers(13, 3 * 7, 33, 1, true, 7)).toBe(0);
    expect(driverDiffers(20, 4 * 11, 300, 0, true, 11)).toBe(0);
  });
});
