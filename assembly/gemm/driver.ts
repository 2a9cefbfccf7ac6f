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
// Batched columns (segCols > 0, B_CONV only): the N columns are samples of segCols output pixels
// each, one after another; column j lives at C + (j / segCols)·cSegBytes + (j % segCols)·4 and
// reads sample j / segCols of the image at B + (j / segCols)·bSegBytes. A tile that spans two
// samples is computed once into scratch and stored column by column (same order of additions).
// Fused epilogue (gemm/epilogue.ts; `residual` laid out as C, 0 = none; `lo`/`hi` a clamp, both
// infinite = none): after the LAST K block, each MC×NC block of C (just written, still in L2)
// becomes clamp(C + residual, lo, hi), row by row. Without one the driver only tests a flag.
// Pre-packed A (preA ≠ 0, SIMD builds; conv/conv2d_packed.ts): A already in the wide tile's
// MR_WIDE-row panels, packed once for every K block: the wide path reads them instead of packing.

import {
  KC, MC, MC_WIDE, MR, MR_WIDE, NC, NR, WIDE_MIN_M, WIDE_MIN_N, WIDE_MIN_N_SMALL_A, WIDE_SMALL_A_FLOATS, align64, roundUp,
} from "./config";
import { clampNeeded, epilogueSpan } from "./epilogue";
import { packA, packAWide } from "./pack_a";
import { packB, packBSegmented } from "./pack_b";
import { gemvRows } from "./gemv";
import { packBConv, packBConvRowBytes, packBConvTap, tapRowFloats } from "./pack_b_conv";
import { convDH, convDW, convKW, convOW, convSH, convSW } from "../conv/conv2d_params";
import {
  microKernel, microKernelColumn, microKernelDirect, microKernelDirectEdge, microKernelEdge, microKernelToTile,
  microKernelWide, microKernelWideColumn, microKernelWideEdge, microKernelWideToTile,
  microKernelColumnTransposed, microKernelTransposed, microKernelTransposedEdge, microKernelTransposedToTile,
} from "./microkernel";

export const B_DENSE: i32 = 0;
export const B_CONV: i32 = 1;

// @ts-ignore: decorator
@inline function packedBBytes(N: i32, K: i32): usize {
  return align64((<usize>min(K, KC) * roundUp(min(N, NC), NR)) << 2);
}

// @ts-ignore: decorator
@inline function packedABytes(M: i32, K: i32): usize {
  const rows = ASC_FEATURE_SIMD ? max(roundUp(min(M, MC), MR), roundUp(min(M, MC_WIDE), MR_WIDE)) : roundUp(min(M, MC), MR);
  return align64((<usize>rows * min(K, KC)) << 2);
}

/** Scratch for one partial tile: MR×NR, or MR_WIDE×NR in the SIMD builds. */
// @ts-ignore: decorator
@inline function tileBytes(): usize {
  return align64((<usize>(ASC_FEATURE_SIMD ? max(MR, MR_WIDE) : MR) * NR) << 2);
}

/**
 * Use the wide 5×8 tile (packed A, microkernel.ts) instead of the 4×8 ones? The default only in
 * the relaxed-SIMD build, where the fused multiply-add makes 8 accumulators latency-bound, and only
 * for products of ≥ WIDE_MIN_N (128) columns, which amortise packing A (the 4×8 path reads it in
 * place). Measured vs 4×8 (relaxed build, conv2d forward, same process): 3136 columns +4–6 %,
 * 784 +6 %, 392 / 196 +2–7 %, but 49 columns −5 % (the weights packed per call for 49 uses each;
 * since the one-column panels, A of ≤ 1 MB gains at 49 too: WIDE_MIN_N_SMALL_A in config.ts).
 * And only for ≥ WIDE_MIN_M (32) rows: DCD's q (1×1 256→16 @14², M = 16) took 35.7 µs wide vs
 * 30.7 µs on the 4×8 path (relaxed build, 100 calls in a row, CPU time).
 * Not for a transposed A (its pack is value by value). `gemmForceWide` (tests): the wide tile for
 * every SIMD product with a plain A.
 */
let gemmForceWide: bool = false;

/** Tests: make every SIMD product (A not transposed) take the wide tile (on) or the default (off). */
export function setGemmForceWide(on: bool): void {
  gemmForceWide = on;
}

// @ts-ignore: decorator
@inline function usesWideTile(M: i32, N: i32, K: i32, transA: i32): bool {
  return ASC_FEATURE_SIMD && !transA && (gemmForceWide || (ASC_FEATURE_RELAXED_SIMD && M >= WIDE_MIN_M
    && (N >= WIDE_MIN_N || (N >= WIDE_MIN_N_SMALL_A && <i64>M * K <= WIDE_SMALL_A_FLOATS))));
}

/**
 * SIMD: a plain (not transposed, not scaled) A is read in place by the direct micro-kernels
 * instead of being packed per block (microkernel.ts); not when rows are a multiple of 8 KiB
 * apart, where the rows of an A block would crowd the same cache sets.
 */
// @ts-ignore: decorator
@inline function readsAInPlace(transA: i32, scale: usize, lda: i32): bool {
  return ASC_FEATURE_SIMD && !transA && !scale && (lda & 2047) != 0;
}

/**
 * SIMD: a transposed, unscaled A (stored K×M, e.g. Wᵀ in backward data) is read in place too: a
 * tile's 4 values at depth k are contiguous in A (microkernel.ts); only a last group of < MR rows is
 * packed. Not when the k rows are a multiple of 4 KiB apart: a tile's kc rows then share one L1 set
 * (dx of 1×1 convs, batch 1, vs packing: 512→2048 @7² −12 %, 768→192 @14² −7 %, 1024→256 @14² +65 %).
 */
// @ts-ignore: decorator
@inline function readsTransposedAInPlace(transA: i32, scale: usize, lda: i32): bool {
  return ASC_FEATURE_SIMD && transA != 0 && !scale && (lda & 1023) != 0;
}

/** Workspace the driver needs for an M×N×K product (+64 so any 16-aligned pointer can be realigned). */
export function gemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return packedBBytes(N, K) + packedABytes(M, K) + tileBytes()
    + align64(packBConvRowBytes(min(N, NC))) + 64;
}

export function gemmDriver(
  M: i32, N: i32, K: i32,
  A: usize, lda: i32, transA: i32, scale: usize,
  bKind: i32, B: usize, ldb: i32, transB: i32, convP: usize,
  C: usize, ldc: i32, accumulate: i32, bias: usize,
  workspace: usize,
  colOffset: i32 = 0,
  segCols: i32 = 0, bSegBytes: usize = 0, cSegBytes: usize = 0,
  residual: usize = 0, lo: f32 = -Infinity, hi: f32 = Infinity,
  preA: usize = 0, preMp: i32 = 0, preRow0: i32 = 0,
): void {
  if (M <= 0 || N <= 0) return;
  const hasRes = residual != 0, clampOn = clampNeeded(lo, hi);
  const epi = hasRes || clampOn;
  const resDelta = residual - C; // residual element = C element + resDelta (wrapping)
  if (K <= 0) {
    fillWithoutProduct(M, N, C, ldc, accumulate, bias, scale);
    if (epi) epilogueBlock(C, ldc, 0, M, 0, N, segCols, cSegBytes, resDelta, hasRes, clampOn, lo, hi);
    return;
  }
  if (!transA && !scale && bKind == B_DENSE && !transB && ldb == 1 && ldc == 1 && !colOffset && !preA
    && (N == 1 || segCols == 1)) {
    // Columns of one pixel each (a 1×1 conv on 1×1 images — DYCls, the classifier of DCD networks — per
    // sample or batched over samples): a GEMV per column reading A's rows in place, where the column
    // kernels read A across rows (0.25 ms for DCD-MobileNetV2's 1280 → 1000 classifier against 0.12 ms
    // for a Linear of that size as a GEMV, relaxed build). Per column whatever the batch, so a sample's
    // bits do not depend on the batch (nor on the rows a thread part takes).
    for (let j = 0; j < N; j++) {
      const cj = C + <usize>j * cSegBytes;
      gemvRows(M, K, A, lda, B + <usize>j * bSegBytes, cj, accumulate);
      if (!bias) continue;
      for (let i = 0; i < M; i++) {
        const at = cj + (<usize>i << 2);
        store<f32>(at, load<f32>(at) + load<f32>(bias + (<usize>i << 2)));
      }
    }
    if (epi) epilogueBlock(C, ldc, 0, M, 0, N, segCols, cSegBytes, resDelta, hasRes, clampOn, lo, hi);
    return;
  }
  const packedB = align64(workspace);
  const packedA = packedB + packedBBytes(N, K);
  const tile = packedA + packedABytes(M, K);
  const rowBuf = tile + tileBytes(); // B_CONV: packBConv's row buffer
  const ldcBytes = <usize>ldc << 2;
  // split K into equal blocks (≤ KC) so no block is a thin remainder (e.g. 576 = 288 + 288)
  const kcStep = gemmKcStep(K);
  const directA = readsAInPlace(transA, scale, lda);
  const ldaBytes = <usize>lda << 2;
  const transposedA = readsTransposedAInPlace(transA, scale, lda);
  if (ASC_FEATURE_SIMD && (preA != 0 || usesWideTile(M, N, K, transA))) {
    gemmWide(M, N, K, A, lda, scale, bKind, B, ldb, transB, convP, C, ldc, accumulate, bias,
      packedB, packedA, tile, rowBuf, kcStep, colOffset, segCols, bSegBytes, cSegBytes,
      epi, resDelta, hasRes, clampOn, lo, hi, preA, preMp, preRow0);
    return;
  }

  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      packBBlock(bKind, B, ldb, transB, convP, pc, kc, jc, nc, colOffset, segCols, bSegBytes, packedB, rowBuf);
      const loadC = pc > 0 || accumulate != 0;
      const last = pc + kc >= K;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        const inPlace = transposedA ? mc & ~(MR - 1) : 0; // rows of transposed A read in place
        // (panel ir of the block at packedA + ir·kc floats, as if the whole block were packed)
        if (!directA && inPlace < mc) {
          packA(A, lda, transA, ic + inPlace, mc - inPlace, pc, kc, scale, packedA + ((<usize>inPlace * kc) << 2));
        }
        const aColumns = A + ((<usize>pc * lda + ic) << 2); // transposed A: &A[pc][ic]
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bPanel = packedB + ((<usize>jr * kc) << 2);
          if (ASC_FEATURE_SIMD && cols == 1) {
            // one real column (49 = 6·8 + 1): all mc rows at once, lanes = rows (microkernel.ts)
            if (inPlace) {
              microKernelColumnTransposed(kc, aColumns, ldaBytes, inPlace, bPanel,
                addressOfC(C, ldc, ic, jc + jr, segCols, cSegBytes), ldcBytes, loadC,
                last && bias ? bias + (<usize>ic << 2) : 0, tile);
            }
            if (inPlace < mc) {
              columnStrip(kc, directA ? A + ((<usize>ic * lda + pc) << 2) : packedA + ((<usize>inPlace * kc) << 2),
                directA ? ldaBytes : 0, ic + inPlace, mc - inPlace, jc + jr, bPanel, C, ldc, loadC, last ? bias : 0,
                scale, tile, segCols, cSegBytes);
            }
            continue;
          }
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const i = ic + ir;
            const aPanel = packedA + ((<usize>ir * kc) << 2);
            const c = addressOfC(C, ldc, i, jc + jr, segCols, cSegBytes);
            const rowBias = last && bias ? bias + (<usize>i << 2) : 0;
            const rowScale = scale ? scale + (<usize>i << 2) : 0;
            const aColumn = aColumns + (<usize>ir << 2); // transposed A: &A[pc][i]
            if (segCols) {
              const j = jc + jr, seg = j / segCols, q = j - seg * segCols;
              if (q + cols > segCols) { // the tile straddles two samples: store it column by column
                const aTile = directA ? A + ((<usize>i * lda + pc) << 2) : aPanel;
                if (ir < inPlace) microKernelTransposedToTile(kc, aColumn, ldaBytes, bPanel, tile);
                else microKernelToTile(kc, aTile, directA ? ldaBytes : 0, rows, bPanel, tile);
                storeTileSegmented(tile, rows, cols, C, ldcBytes, i, q, seg, segCols, cSegBytes, loadC, rowBias, rowScale);
                continue;
              }
            }
            if (directA) {
              const aRow = A + ((<usize>i * lda + pc) << 2);
              if (rows == MR && cols == NR) {
                microKernelDirect(kc, aRow, ldaBytes, bPanel, c, ldcBytes, loadC, rowBias);
              } else {
                microKernelDirectEdge(kc, aRow, ldaBytes, bPanel, c, ldcBytes, rows, cols, loadC, rowBias, tile);
              }
            } else if (ir < inPlace) {
              if (cols == NR) microKernelTransposed(kc, aColumn, ldaBytes, bPanel, c, ldcBytes, loadC, rowBias);
              else microKernelTransposedEdge(kc, aColumn, ldaBytes, bPanel, c, ldcBytes, cols, loadC, rowBias, tile);
            } else if (rows == MR && cols == NR) {
              microKernel(kc, aPanel, bPanel, c, ldcBytes, loadC, rowBias, rowScale);
            } else {
              microKernelEdge(kc, aPanel, bPanel, c, ldcBytes, rows, cols, loadC, rowBias, rowScale, tile);
            }
          }
        }
        if (last && epi) epilogueBlock(C, ldc, ic, mc, jc, nc, segCols, cSegBytes, resDelta, hasRes, clampOn, lo, hi);
      }
    }
  }
}

/** The depth of the driver's K blocks: K split into equal blocks of at most KC (the last may be shorter). */
// @ts-ignore: decorator
@inline export function gemmKcStep(K: i32): i32 {
  return ceilDiv(K, ceilDiv(K, KC));
}

/** Address of C[i][j] where C's columns may be split into samples of segCols (cSegBytes apart). */
// @ts-ignore: decorator
@inline function addressOfC(C: usize, ldc: i32, i: i32, j: i32, segCols: i32, cSegBytes: usize): usize {
  if (!segCols) return C + ((<usize>i * ldc + j) << 2);
  const seg = j / segCols;
  return C + <usize>seg * cSegBytes + ((<usize>i * ldc + j - seg * segCols) << 2);
}

/** Packs B's block (rows pc..pc+kc, columns jc..jc+nc) into NR-column panels, whatever B is. */
// @ts-ignore: decorator
@inline function packBBlock(
  bKind: i32, B: usize, ldb: i32, transB: i32, convP: usize, pc: i32, kc: i32, jc: i32, nc: i32,
  colOffset: i32, segCols: i32, bSegBytes: usize, packedB: usize, rowBuf: usize,
): void {
  if (bKind == B_CONV) packBConv(convP, B, pc, kc, colOffset + jc, nc, packedB, segCols ? bSegBytes : 0, rowBuf);
  else if (segCols) packBSegmented(B, ldb, pc, kc, colOffset + jc, nc, segCols, bSegBytes, packedB);
  else packB(B, ldb, transB, pc, kc, jc, nc, packedB);
}

/**
 * Tap-shared B panels (pack_b_conv.ts packBConvTap, microkernel.ts): the wide path of a stride-1,
 * dilation-1 conv packs each (c, u) input row once per panel instead of once per tap v. Only when
 * every panel lies inside one output row of one sample (OW, the first column, N and the samples'
 * columns multiples of NR: then every tile has NR columns) and the K blocks are whole (c, u) rows
 * (kcStep a multiple of KW; kcStep is NOT changed for it, so the sums are blocked as on the plain
 * path and a thread's column range gives the same bits either way). Returns KW, or 0 = plain panels.
 * `gemmTapShared` (tests): off = always plain panels.
 */
let gemmTapShared: bool = true;

let tapSharedPacks: i32 = 0;

/** Tests: allow tap-shared B panels (on, the default) or never use them (off); resets gemmTapSharedPacks. */
export function setGemmTapShared(on: bool): void {
  gemmTapShared = on;
  tapSharedPacks = 0;
}

/** Tests: B blocks packed tap-shared since the last setGemmTapShared. */
export function gemmTapSharedPacks(): i32 {
  return tapSharedPacks;
}

// @ts-ignore: decorator
@inline function tapSharedKW(convP: usize, N: i32, K: i32, kcStep: i32, colOffset: i32, segCols: i32): i32 {
  const KW = convKW(convP);
  if (!gemmTapShared || KW < 2) return 0;
  if (convSH(convP) != 1 || convSW(convP) != 1 || convDH(convP) != 1 || convDW(convP) != 1) return 0;
  if (convOW(convP) % NR != 0 || colOffset % NR != 0 || N % NR != 0 || segCols % NR != 0) return 0;
  return kcStep % KW == 0 && K % KW == 0 ? KW : 0;
}

/** gemmDriver's loops for the wide tile: A packed in MR_WIDE-row panels, MC_WIDE rows per block. */
function gemmWide(
  M: i32, N: i32, K: i32, A: usize, lda: i32, scale: usize,
  bKind: i32, B: usize, ldb: i32, transB: i32, convP: usize,
  C: usize, ldc: i32, accumulate: i32, bias: usize,
  packedB: usize, packedA: usize, tile: usize, rowBuf: usize, kcStep: i32,
  colOffset: i32, segCols: i32, bSegBytes: usize, cSegBytes: usize,
  epi: bool, resDelta: usize, hasRes: bool, clampOn: bool, lo: f32, hi: f32,
  preA: usize, preMp: i32, preRow0: i32,
): void {
  const ldcBytes = <usize>ldc << 2;
  // as gemmDriver's directA; never with pre-packed A (there is no plain A to read)
  const fourFromA = !preA && !scale && (lda & 2047) != 0;
  const tapKW = bKind == B_CONV ? tapSharedKW(convP, N, K, kcStep, colOffset, segCols) : 0;
  const tapRowBytes = tapKW ? <usize>tapRowFloats(tapKW) << 2 : 0;
  const tapWrap = tapKW ? tapRowBytes - (<usize>(tapKW - 1) << 2) : 0; // B step after a row's last tap
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      if (tapKW) {
        packBConvTap(convP, B, pc, kc, colOffset + jc, nc, packedB, segCols ? bSegBytes : 0);
        tapSharedPacks++;
      } else packBBlock(bKind, B, ldb, transB, convP, pc, kc, jc, nc, colOffset, segCols, bSegBytes, packedB, rowBuf);
      const tapPanelBytes = tapKW ? <usize>(kc / tapKW) * tapRowBytes : 0;
      const loadC = pc > 0 || accumulate != 0;
      const last = pc + kc >= K;
      for (let ic = 0; ic < M; ic += MC_WIDE) {
        const mc = min(MC_WIDE, M - ic);
        // pre-packed: block pc's panels start at pc·Mp floats, row i's at + i·kc (conv2d_packed.ts)
        const blockA = preA ? preA + ((<usize>pc * preMp + <usize>(preRow0 + ic) * kc) << 2) : packedA;
        if (!preA) packAWide(A, lda, 0, ic, mc, pc, kc, scale, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bPanel = tapKW ? packedB + <usize>(jr / NR) * tapPanelBytes : packedB + ((<usize>jr * kc) << 2);
          if (cols == 1 && !tapKW) {
            // one real column, all mc rows at once, lanes as rows (microkernel.ts; same bits): from A in
            // place where it can be read there, else from the packed panels (pre-packed or scaled A)
            if (fourFromA) {
              columnStrip(kc, A + ((<usize>ic * lda + pc) << 2), <usize>lda << 2,
                ic, mc, jc + jr, bPanel, C, ldc, loadC, last ? bias : 0, 0, tile, segCols, cSegBytes);
            } else {
              microKernelWideColumn(kc, blockA, mc, bPanel, addressOfC(C, ldc, ic, jc + jr, segCols, cSegBytes), ldcBytes,
                loadC, last && bias ? bias + (<usize>ic << 2) : 0, scale ? scale + (<usize>ic << 2) : 0, tile);
            }
            continue;
          }
          for (let ir = 0; ir < mc; ir += MR_WIDE) {
            const rows = min(MR_WIDE, mc - ir);
            const i = ic + ir;
            const aPanel = blockA + ((<usize>ir * kc) << 2);
            const c = addressOfC(C, ldc, i, jc + jr, segCols, cSegBytes);
            const rowBias = last && bias ? bias + (<usize>i << 2) : 0;
            const rowScale = scale ? scale + (<usize>i << 2) : 0;
            if (segCols) {
              const j = jc + jr, seg = j / segCols, q = j - seg * segCols;
              if (q + cols > segCols) { // the tile straddles two samples: store it column by column
                microKernelWideToTile(kc, aPanel, bPanel, tile, tapKW, tapWrap);
                storeTileSegmented(tile, rows, cols, C, ldcBytes, i, q, seg, segCols, cSegBytes, loadC, rowBias, rowScale);
                continue;
              }
            }
            if (rows == MR_WIDE && cols == NR) {
              microKernelWide(kc, aPanel, bPanel, c, ldcBytes, loadC, rowBias, rowScale, tapKW, tapWrap);
            } else if (rows == MR && cols == NR && fourFromA) {
              // 4 rows left (64 = 12·5 + 4): the 4×8 kernel on A in place, straight into C, instead
              // of a 5-row tile through the scratch tile (same products, same order)
              microKernelDirect(kc, A + ((<usize>i * lda + pc) << 2), <usize>lda << 2, bPanel, c, ldcBytes, loadC, rowBias,
                tapKW, tapWrap);
            } else {
              microKernelWideEdge(kc, aPanel, bPanel, c, ldcBytes, rows, cols, loadC, rowBias, rowScale, tile,
                tapKW, tapWrap);
            }
          }
        }
        if (last && epi) epilogueBlock(C, ldc, ic, mc, jc, nc, segCols, cSegBytes, resDelta, hasRes, clampOn, lo, hi);
      }
    }
  }
}

/**
 * The fused epilogue on the C block of rows i0..i0+rows, columns j0..j0+cols, just finished (its
 * last K block; still in L2): C = clamp(C + residual, lo, hi), the residual element resDelta bytes
 * from C's. Row by row, so C and the residual stream with unit stride (per 8-column strip, the
 * residual's 96 rows far apart cost more than two separate passes: 1×1 64→256 @56² +10 %); a row
 * that crosses into the next sample (batched columns) goes piece by piece.
 */
function epilogueBlock(
  C: usize, ldc: i32, i0: i32, rows: i32, j0: i32, cols: i32, segCols: i32, cSegBytes: usize,
  resDelta: usize, hasRes: bool, clampOn: bool, lo: f32, hi: f32,
): void {
  const ldcBytes = <usize>ldc << 2;
  for (let j = j0; j < j0 + cols;) {
    const n = segCols ? min(segCols - j % segCols, j0 + cols - j) : cols;
    const c = addressOfC(C, ldc, i0, j, segCols, cSegBytes);
    for (let r = 0; r < rows; r++) {
      const at = c + <usize>r * ldcBytes;
      epilogueSpan(at, at + resDelta, at, n, hasRes, clampOn, lo, hi);
    }
    j += n;
  }
}

/** Rows i0..i0+mc of C's column j (a last panel with one real column) via microKernelColumn. */
function columnStrip(
  kc: i32, a: usize, ldaBytes: usize, i0: i32, mc: i32, j: i32, bPanel: usize,
  C: usize, ldc: i32, loadC: bool, bias: usize, scale: usize, tile: usize,
  segCols: i32, cSegBytes: usize,
): void {
  microKernelColumn(kc, a, ldaBytes, mc, bPanel, addressOfC(C, ldc, i0, j, segCols, cSegBytes), <usize>ldc << 2, loadC,
    bias ? bias + (<usize>i0 << 2) : 0, scale ? scale + (<usize>i0 << 2) : 0, tile);
}

/**
 * Stores a computed tile (MR×NR scratch) whose columns cross from sample `seg` (starting at its
 * pixel q) into the next: C (+)= tile (+ bias), as microKernelEdge does, column by column.
 */
function storeTileSegmented(
  tile: usize, rows: i32, cols: i32, C: usize, ldcBytes: usize, i: i32, q: i32, seg: i32,
  segCols: i32, cSegBytes: usize, loadC: bool, bias: usize, scale: usize,
): void {
  for (let j = 0; j < cols; j++) {
    const col = C + <usize>seg * cSegBytes + <usize>i * ldcBytes + (<usize>q << 2);
    for (let r = 0; r < rows; r++) {
      const at = col + <usize>r * ldcBytes;
      let bv: f32 = 0;
      if (bias) {
        bv = load<f32>(bias + (<usize>r << 2));
        if (scale) bv *= load<f32>(scale + (<usize>r << 2));
      }
      let v = load<f32>(tile + ((<usize>(r * NR + j)) << 2));
      if (loadC) v += load<f32>(at);
      store<f32>(at, v + bv);
    }
    if (++q == segCols) { q = 0; seg++; }
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
