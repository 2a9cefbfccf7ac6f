// conv2d forward, one part of `parts` (the thread pool's entry point; see gemm/partition.ts).
// Each part runs gemmDriver on a slice of the single-thread GEMMs (conv2d_forward.ts: one per
// (sample, group), or one per group whose columns are every sample's pixels when batchesColumns),
// with the same K blocking and the same tile positions, so each output element is summed in the
// single-thread order and the result is bit-identical. Two ways to slice, chosen per op:
//   columns: output-pixel ranges of every (sample, group) (multiples of 8 = the tile columns);
//            each part packs only its own columns of the implicit im2col but reads ALL the
//            weights of its groups.
//   rows:    output-channel ranges (multiples of MR = 4 = the tile rows) of every GEMM; each part
//            reads only its own rows of the weights but packs ALL the GEMM's columns.
// A part's extra traffic is the operand it does not split, so rows win when the weights are the
// bigger operand (Cout/G ≥ the GEMM's columns): few output pixels, many channels. They also
// balance: 49 pixels = 6 column tiles + a 1-column edge tile (which costs as much as a full tile:
// 0.35 ms for the 9-column part vs 0.19 ms for 8 columns, 3×3 s2 256→256), so no column split of
// a 7×7 image is even; 2048 or 256 channels split evenly. Measured, batch 1, 2 threads vs 1 (wall
// clock, best sample, quiet 2-core Zen 5 VM, bench/cases/threads.mjs): 1×1 512→2048 @7² 1.50× →
// 1.77–1.85×, 3×3 s2 256→256 @14² 1.17–1.2× → 1.62–1.70× (there each of the 2 row parts repacks
// the whole im2col: +7 % work; the worker starts 30–50 µs after the main thread).
// `ws` is this part's own: PART_SCRATCH bytes of scratch, then conv2dWorkspaceBytes(p, 0) bytes.

import { B_CONV, B_DENSE, gemmDriver } from "../gemm/driver";
import { residualInPlace } from "../gemm/epilogue";
import { PART_SCRATCH, partStart, partStartNearest, threadsOfParts } from "../gemm/partition";
import { MR, MR_WIDE, align64, roundUp } from "../gemm/config";
import {
  convC, convCinPerGroup, convCoutPerGroup, convG, convH, convIsDepthwise, convIsPointwise,
  convK, convN, convOH, convOW, convPatchSize, convW,
} from "./conv2d_params";
import { batchesColumns } from "./conv2d_forward";
import { depthwiseForwardPart } from "./depthwise_part";

/**
 * A column part reads all of its groups' weights: fine while they stay in cache, but above this
 * each part streams them from memory (3×3 512→512: 9.4 MB).
 */
const COLUMN_SPLIT_MAX_WEIGHT_BYTES: i64 = 4 << 20;

/**
 * True when conv2dForwardPart splits output channels (rows) rather than output pixels (columns):
 * when the weights are the bigger operand (Cout/G ≥ the GEMM's columns) — but a k×k conv's row parts
 * each repack the whole implicit im2col, so it keeps the column split up to 2× as many channels as
 * columns while its weights stay in cache (work model, planned ResNet-18, relaxed, 2 threads: 3×3
 * 256→256 @14² 2.67 ms on 2 row parts, 2.54 on columns, 2.41 ideal).
 */
export function conv2dForwardSplitsRows(p: usize): bool {
  if (convIsDepthwise(p)) return false;
  const pixels = convOH(p) * convOW(p);
  const columns = batchesColumns(p) ? convN(p) * pixels : pixels;
  const coutG = convCoutPerGroup(p);
  if (coutG < columns) return false;
  if (convIsPointwise(p) || coutG >= 2 * columns) return true;
  return <i64>coutG * convPatchSize(p) * 4 > COLUMN_SPLIT_MAX_WEIGHT_BYTES;
}

export function conv2dForwardPart(p: usize, x: usize, w: usize, b: usize, y: usize, ws: usize, part: i32, parts: i32): void {
  forwardPart(p, x, w, b, 0, y, ws, part, parts, -Infinity, Infinity, 0);
}

/**
 * conv2dForwardFused, one part (same splits as conv2dForwardPart; the epilogue runs on each part's
 * own output). lo / hi come as their f32 bit patterns: the pool passes i32 arguments only.
 * ws: PART_SCRATCH, then conv2dForwardFusedWorkspaceBytes(p).
 */
export function conv2dForwardFusedPart(
  p: usize, x: usize, w: usize, b: usize, residual: usize, y: usize, loBits: i32, hiBits: i32,
  ws: usize, part: i32, parts: i32,
): void {
  forwardPart(p, x, w, b, residual, y, ws, part, parts, reinterpret<f32>(loBits), reinterpret<f32>(hiBits), 0);
}

/** conv2dForwardPacked (conv2d_packed.ts), one part: the weights pre-packed, as conv2dForwardFusedPart. */
export function conv2dForwardPackedPart(
  p: usize, x: usize, packed: usize, b: usize, residual: usize, y: usize, loBits: i32, hiBits: i32,
  ws: usize, part: i32, parts: i32,
): void {
  forwardPart(p, x, 0, b, residual, y, ws, part, parts, reinterpret<f32>(loBits), reinterpret<f32>(hiBits), packed);
}

function forwardPart(
  p: usize, x: usize, w: usize, b: usize, residual: usize, y: usize, ws: usize, part: i32, parts: i32, lo: f32, hi: f32,
  packed: usize,
): void {
  if (convIsDepthwise(p)) {
    depthwiseForwardPart(p, x, w, b, y, ws, part, parts, residual, lo, hi, align64(ws + PART_SCRATCH));
    return;
  }
  ws += PART_SCRATCH;
  if (conv2dForwardSplitsRows(p)) rowsPart(p, x, w, b, residual, y, ws, part, parts, lo, hi, packed);
  else columnsPart(p, x, w, b, residual, y, ws, part, parts, lo, hi, packed);
}

/** Output-pixel ranges of every (sample, group). */
function columnsPart(
  p: usize, x: usize, w: usize, b: usize, residual: usize, y: usize, ws: usize, part: i32, parts: i32, lo: f32, hi: f32,
  packed: usize,
): void {
  const acc = residualInPlace(residual, y);
  const res: usize = acc ? 0 : residual;
  const C = convC(p), K = convK(p), G = convG(p);
  const cinG = convCinPerGroup(p), coutG = convCoutPerGroup(p), patch = convPatchSize(p);
  const inPlane = <usize>convH(p) * convW(p);
  const pixels = convOH(p) * convOW(p);
  const segs = convN(p) * G;
  const packedRows = roundUp(coutG, MR_WIDE);
  const a = partStart(segs, pixels, part, parts, 8), e = partStart(segs, pixels, part + 1, parts, 8);
  for (let s = <i32>(a / pixels); <i64>s * pixels < e; s++) {
    const j0 = <i32>max<i64>(a - <i64>s * pixels, 0), j1 = <i32>min<i64>(e - <i64>s * pixels, pixels);
    if (j0 >= j1) continue;
    const n = s / G, g = s % G;
    const xg = x + ((<usize>(n * C + g * cinG) * inPlane) << 2);
    const yj = y + ((<usize>(n * K + g * coutG) * pixels + j0) << 2);
    const wg = w + ((<usize>g * coutG * patch) << 2);
    const bg = b ? b + (<usize>(g * coutG) << 2) : 0;
    const rj = res ? res + (yj - y) : 0;
    const pg = packed ? packed + ((<usize>g * packedRows * patch) << 2) : 0;
    if (convIsPointwise(p)) {
      gemmDriver(coutG, j1 - j0, patch, wg, patch, 0, 0,
        B_DENSE, xg + (<usize>j0 << 2), <i32>inPlane, 0, 0, yj, pixels, acc, bg, ws, 0, 0, 0, 0, rj, lo, hi, pg, packedRows);
    } else {
      gemmDriver(coutG, j1 - j0, patch, wg, patch, 0, 0,
        B_CONV, xg, 0, 0, p, yj, pixels, acc, bg, ws, j0, 0, 0, 0, rj, lo, hi, pg, packedRows);
    }
  }
}

/**
 * Packing one element of B costs about this many multiply-adds of the micro-kernel (3×3 s2
 * 256→256 @14²: the implicit im2col of its 2304×49 columns takes 0.08 ms of the op's 1.19 ms;
 * a 1×1 conv's B is a plain copy, but 8 row parts of 1×1 1024→256 @14² did 10 % more work than
 * one thread: 4, not 2).
 */
const PACK_COST_CONV: i32 = 16;
const PACK_COST_DENSE: i32 = 4;
/**
 * A row split may add at most ~1/ROW_SPLIT_WASTE of the op's work in repacked columns (1/32, not
 * 1/16: the ResNet-50 plan's row-split 1×1 convs did 4–10 % more work than one thread at 1/16).
 */
const ROW_SPLIT_WASTE: i32 = 32;

/**
 * How many of the `parts` get rows (the rest are empty): every row part repacks all the columns,
 * costing packCost/rows of its work, so parts stop where the total repacking ((used − 1)·packCost
 * per column element against coutG multiply-adds) passes 1/ROW_SPLIT_WASTE — but at least one per
 * thread (the point of splitting), and a multiple of the threads: the parts are equal, so 3 of them
 * on 2 threads would take 2/3 of the one-thread time (measured on the work model of ResNet-18's
 * 3×3 512→512 @7²: 3.8 ms of 5.3 on 2 threads). 3×3 s2 256→256 @14²: 2 row parts (8 would repack
 * 8× and cost +54 % work, measured); 1×1 512→2048 @7²: all 8.
 */
function rowParts(p: usize, segs: i32, parts: i32): i32 {
  const packCost = convIsPointwise(p) ? PACK_COST_DENSE : PACK_COST_CONV;
  const perSeg = 1 + convCoutPerGroup(p) / (ROW_SPLIT_WASTE * packCost);
  const threads = min(threadsOfParts(parts), parts);
  const wanted = min(parts, max(2, perSeg * segs));
  return min(parts, max(threads, wanted / threads * threads));
}

/**
 * Output-channel ranges of every GEMM: rows [r0, r1) of GEMM s run as gemmDriver on the weights,
 * bias and y offset by r0 rows (same lda, so the same direct-A choice; r0 a multiple of MR, so
 * the same row tiles).
 */
function rowsPart(
  p: usize, x: usize, w: usize, b: usize, residual: usize, y: usize, ws: usize, part: i32, parts: i32, lo: f32, hi: f32,
  packed: usize,
): void {
  const acc = residualInPlace(residual, y);
  const res: usize = acc ? 0 : residual;
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cinG = convCinPerGroup(p), coutG = convCoutPerGroup(p), patch = convPatchSize(p);
  const inPlane = <usize>convH(p) * convW(p);
  const pixels = convOH(p) * convOW(p);
  const batched = batchesColumns(p);
  const bKind = convIsPointwise(p) ? B_DENSE : B_CONV;
  const segs = batched ? G : N * G;
  const used = rowParts(p, segs, parts);
  if (part >= used) return;
  // pre-packed weights: every part starts on a 5-row panel (the packed path has no 4-row tile);
  // boundaries to the nearest panel, as few large parts are only balanced that way
  const rowAlign = packed ? MR_WIDE : MR;
  const packedRows = roundUp(coutG, MR_WIDE);
  const a = partStartNearest(segs, coutG, part, used, rowAlign), e = partStartNearest(segs, coutG, part + 1, used, rowAlign);
  for (let s = <i32>(a / coutG); <i64>s * coutG < e; s++) {
    const r0 = <i32>max<i64>(a - <i64>s * coutG, 0), r1 = <i32>min<i64>(e - <i64>s * coutG, coutG);
    if (r0 >= r1) continue;
    const n = batched ? 0 : s / G, g = batched ? s : s % G;
    const c0 = g * coutG + r0; // first output channel
    const xg = x + ((<usize>(n * C + g * cinG) * inPlane) << 2);
    const yr = y + ((<usize>(n * K + c0) * pixels) << 2);
    const wr = w + ((<usize>c0 * patch) << 2);
    const br = b ? b + (<usize>c0 << 2) : 0;
    const rr = res ? res + (yr - y) : 0;
    const pg = packed ? packed + ((<usize>g * packedRows * patch) << 2) : 0;
    if (batched) {
      gemmDriver(r1 - r0, N * pixels, patch, wr, patch, 0, 0,
        bKind, xg, <i32>inPlane, 0, p, yr, pixels, acc, br, ws,
        0, pixels, (<usize>C * inPlane) << 2, (<usize>K * pixels) << 2, rr, lo, hi, pg, packedRows, r0);
    } else if (bKind == B_DENSE) {
      gemmDriver(r1 - r0, pixels, patch, wr, patch, 0, 0,
        B_DENSE, xg, <i32>inPlane, 0, 0, yr, pixels, acc, br, ws, 0, 0, 0, 0, rr, lo, hi, pg, packedRows, r0);
    } else {
      gemmDriver(r1 - r0, pixels, patch, wr, patch, 0, 0,
        B_CONV, xg, 0, 0, p, yr, pixels, acc, br, ws, 0, 0, 0, 0, rr, lo, hi, pg, packedRows, r0);
    }
  }
}
