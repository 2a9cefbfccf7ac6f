// conv2d backward data / weight, per group.
//
//   backward data, stride 1 (k×k, padding ≤ dilation·(k−1)): a FORWARD conv of dy with the flipped,
//                    in/out-swapped weights W'[c, k, i, j] = W[k, c, KH−1−i, KW−1−j] and padding
//                    dilation·(k−1) − padding, on the blocked GEMM with implicit im2col (no column
//                    buffer, no col2im; small images batched across samples as the forward does).
//   backward data, otherwise: colGrad = W_gᵀ · dY_g (CgKK × columns), then col2im scatter-add into dx
//   backward weight: dW_g += dY_g · col(x_g)ᵀ (Kg × CgKK)
//
// The column (GEMM N / K) dimension of the column paths runs over every sample's output pixels,
// flattened (j = n·OH·OW + q), in equal blocks of ≤ a budget of floats: a block may span samples
// (its dY columns are then gathered into scratch), so small images at batch > 1 make one long GEMM
// (dW written once per block, not once per sample). 1×1 / stride-1 / pad-0 convs run sgemm on x / dx
// as they are (dW: per sample unless the images are small); depthwise convs (G == C) go to the
// direct kernels. The part kernels (conv2d_backward_part.ts) run the same blocks on channel ranges.

import { sgemm, sgemmWorkspaceBytes } from "../gemm/sgemm";
import { B_CONV, gemmDriver, gemmWorkspaceBytes } from "../gemm/driver";
import { im2colBlock, col2imBlockAdd } from "./im2col";
import { depthwiseBackwardDataInto, depthwiseConv2dBackwardWeight } from "./depthwise";
import { planeSum } from "./depthwise_plane";
import {
  convN, convC, convH, convW, convK, convKH, convKW, convSH, convSW, convPH, convPW, convDH, convDW,
  convG, convOH, convOW,
  convIsDepthwise as isDepthwise, convIsPointwise as isPointwise, convPatchSize as colRows,
} from "./conv2d_params";

// Column-block budgets (floats). Backward data: colGrad = rows × block, with rows = Cin/G·KH·KW up
// to thousands, so a block must be wide enough that the GEMM is not a re-pack of Wᵀ per few pixels.
const DATA_COL_FLOATS: i32 = 196608; // 768 KiB
// Backward weight: a block of (channels of one dW column block)·taps rows.
const WEIGHT_COL_FLOATS: i32 = 131072; // 512 KiB
// A column block of dW accumulated across pixel blocks: 128K floats = 512 KiB, half of L2.
const DW_BLOCK_FLOATS: i32 = 131072;
// Pointwise dW runs on x in place per sample unless the images are smaller than this (then batched:
// 1x1 512->2048 @7² b8 w 15.42 -> 15.19 ms, but 96->576 @14² b8 2.98 -> 3.26 with the im2col copy).
const POINTWISE_BATCH_BELOW: i32 = 128;

// @ts-ignore: decorator
@inline export function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/** Equal blocks of ≤ maxCols of `total` columns, a multiple of 16 (or all of them when fewer). */
function equalBlocks(total: i32, maxCols: i32): i32 {
  if (total <= maxCols) return max(total, 1);
  const blocks = (total + maxCols - 1) / maxCols;
  return min(maxCols, (((total + blocks - 1) / blocks) + 15) & ~15);
}

// ---------------------------------------------------------------- backward data, flipped (stride 1)

/**
 * Stride-1 backward data runs as the forward conv of the flipped weights (padding' ≥ 0 needed) when
 * that is the faster of the two: its GEMM has M = Cin/G rows to amortise the implicit-im2col packing
 * of dy over, the column path has Cout/G (the K of colGrad) per col2im scatter. Measured (batch 1, CPU
 * ms, flipped vs columns with DATA_COL_FLOATS blocks): 3×3 64→16 @56² 1.27 vs 1.67, 128→32 @28² 1.19
 * vs 1.43, 512→512 @7² 7.91 vs 8.12; but 64→64 @56² 5.18 vs 4.89, 256→256 @14² 5.42 vs 5.22,
 * 16→64 @56² 2.14 vs 1.23, 5×5 dil 2 32→48 g2 @20² 0.72 vs 0.34.
 */
export function flipsBackwardData(p: usize): bool {
  const cg = convC(p) / convG(p), kg = convK(p) / convG(p);
  if (cg < 2 * kg && (cg < 384 || cg < kg)) return false;
  return convSH(p) == 1 && convSW(p) == 1 && !isPointwise(p) && !isDepthwise(p) &&
    convDH(p) * (convKH(p) - 1) >= convPH(p) && convDW(p) * (convKW(p) - 1) >= convPW(p);
}

/** The flipped conv batches every sample's pixels into one GEMM per group (as the forward does). */
// @ts-ignore: decorator
@inline function flipBatches(p: usize): bool {
  return convN(p) > 1 && convH(p) * convW(p) < 1024;
}

function flippedWorkspaceBytes(p: usize): usize {
  const cg = convC(p) / convG(p), kg = convK(p) / convG(p), taps = convKH(p) * convKW(p);
  const inPlane = convH(p) * convW(p);
  return 64 + align64(<usize>cg * kg * taps << 2) +
    gemmWorkspaceBytes(cg, flipBatches(p) ? convN(p) * inPlane : inPlane, kg * taps);
}

/** The descriptor of dx = conv(dy, W'): N, K→C, OH×OW→H×W, padding D·(k−1) − P, stride 1. */
function writeFlippedDescriptor(p: usize, fp: usize): void {
  store<i32>(fp, convN(p), 0); store<i32>(fp, convK(p), 4);
  store<i32>(fp, convOH(p), 8); store<i32>(fp, convOW(p), 12);
  store<i32>(fp, convC(p), 16); store<i32>(fp, convKH(p), 20); store<i32>(fp, convKW(p), 24);
  store<i32>(fp, 1, 28); store<i32>(fp, 1, 32);
  store<i32>(fp, convDH(p) * (convKH(p) - 1) - convPH(p), 36);
  store<i32>(fp, convDW(p) * (convKW(p) - 1) - convPW(p), 40);
  store<i32>(fp, convDH(p), 44); store<i32>(fp, convDW(p), 48); store<i32>(fp, convG(p), 52);
  store<i32>(fp, convH(p), 56); store<i32>(fp, convW(p), 60);
}

/**
 * dx channels [c0, c1) of group g (every sample) by the flipped forward conv; ws holds
 * flippedWorkspaceBytes(p). Rows of W' are flipped into ws first. A part (c0 a multiple of 8) gets
 * the same GEMM tiles, so the same bits, as the whole op's c0 = 0, c1 = Cin/G.
 */
export function flippedBackwardData(p: usize, dy: usize, w: usize, dx: usize, ws: usize, g: i32, c0: i32, c1: i32,
  accumulate: i32): void {
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, taps = convKH(p) * convKW(p), patch = kg * taps;
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const fp = ws, wt = ws + 64, gemmWs = wt + align64(<usize>cg * patch << 2);
  writeFlippedDescriptor(p, fp);
  // W'[c, k, t'] = W[g·kg + k, c, taps − 1 − t'] for c in [c0, c1)
  for (let c = c0; c < c1; c++) {
    const dstC = wt + (<usize>(c - c0) * patch << 2);
    for (let k = 0; k < kg; k++) {
      const src = w + (<usize>(((g * kg + k) * cg + c) * taps) << 2);
      const dst = dstC + (<usize>(k * taps + taps - 1) << 2);
      for (let t = 0; t < taps; t++) store<f32>(dst - (<usize>t << 2), load<f32>(src + (<usize>t << 2)));
    }
  }
  const M = c1 - c0;
  const dyG = dy + ((<usize>g * kg * pixels) << 2);
  const dxC = dx + ((<usize>(g * cg + c0) * inPlane) << 2);
  if (flipBatches(p)) {
    gemmDriver(M, N * inPlane, patch, wt, patch, 0, 0, B_CONV, dyG, 0, 0, fp, dxC, inPlane, accumulate, 0, gemmWs,
      0, inPlane, (<usize>K * pixels) << 2, (<usize>C * inPlane) << 2);
    return;
  }
  for (let n = 0; n < N; n++) {
    gemmDriver(M, inPlane, patch, wt, patch, 0, 0, B_CONV, dyG + ((<usize>n * K * pixels) << 2), 0, 0, fp,
      dxC + ((<usize>n * C * inPlane) << 2), inPlane, accumulate, 0, gemmWs);
  }
}

// ---------------------------------------------------------------- column paths

/** Flattened columns per backward-data block (depends on p only: parts use the same blocks). */
export function dataBlockCols(p: usize): i32 {
  return equalBlocks(convN(p) * convOH(p) * convOW(p), max(16, (DATA_COL_FLOATS / colRows(p)) & ~15));
}

/** Input channels per dW column block (≤ DW_BLOCK_FLOATS floats of dW). */
export function weightBlockChannels(p: usize): i32 {
  const cg = convC(p) / convG(p), kg = convK(p) / convG(p), taps = convKH(p) * convKW(p);
  const cMax = max(1, DW_BLOCK_FLOATS / (kg * taps));
  const blocks = (cg + cMax - 1) / cMax;
  return (cg + blocks - 1) / blocks;
}

/** Flattened columns per backward-weight block (the GEMM's K). */
export function weightBlockCols(p: usize): i32 {
  const taps = convKH(p) * convKW(p);
  return equalBlocks(convN(p) * convOH(p) * convOW(p), max(16, (WEIGHT_COL_FLOATS / (weightBlockChannels(p) * taps)) & ~15));
}

/** Pointwise dW straight from x, one sample at a time (big images). */
export function pointwiseWeightInPlace(p: usize): bool {
  return isPointwise(p) && (convN(p) == 1 || convOH(p) * convOW(p) >= POINTWISE_BATCH_BELOW);
}

/**
 * dY_g's columns [j0, j1) (flattened over samples) as a kg × (j1 − j0) matrix: in place when they
 * lie in one sample (returns the pointer, *ld = pixels), else gathered into buf (ld = j1 − j0).
 */
export function dyColumns(dy: usize, K: i32, g: i32, kg: i32, pixels: i32, j0: i32, j1: i32, buf: usize, ldOut: usize): usize {
  const n0 = j0 / pixels;
  if ((j1 - 1) / pixels == n0) {
    store<i32>(ldOut, pixels);
    return dy + ((<usize>(n0 * K + g * kg) * pixels + (j0 - n0 * pixels)) << 2);
  }
  const nq = j1 - j0;
  store<i32>(ldOut, nq);
  let j = j0;
  while (j < j1) {
    const n = j / pixels, q = j - n * pixels, len = min(pixels - q, j1 - j);
    const src = dy + ((<usize>(n * K + g * kg) * pixels + q) << 2);
    const dst = buf + (<usize>(j - j0) << 2);
    for (let k = 0; k < kg; k++) {
      memory.copy(dst + (<usize>k * nq << 2), src + (<usize>k * pixels << 2), <usize>len << 2);
    }
    j += len;
  }
  return buf;
}

function dataColumnWorkspaceBytes(p: usize): usize {
  const rows = colRows(p), kg = convK(p) / convG(p);
  const nb = dataBlockCols(p);
  return align64(<usize>rows * nb << 2) + align64(<usize>kg * nb << 2) + 64 + sgemmWorkspaceBytes(rows, nb, kg);
}

/**
 * dx channels [c0, c1) of group g, samples [n0, n1) (n1 < 0: every sample), by colGrad = W_gᵀ·dY and
 * col2im; ws holds dataColumnWorkspaceBytes(p). Zeroes those channels of dx first (accumulate: adds
 * to them instead). A sample range
 * runs the whole op's column blocks clipped to its samples: each colGrad column is the same sum, and
 * a dx element only receives columns of its own sample, added in the same order (thread parts that
 * split samples are bit-identical to the whole op).
 */
export function columnBackwardData(p: usize, dy: usize, w: usize, dx: usize, ws: usize, g: i32, c0: i32, c1: i32,
  accumulate: i32, n0: i32 = 0, n1: i32 = -1): void {
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = colRows(p), taps = convKH(p) * convKW(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const nb = dataBlockCols(p), channels = c1 - c0;
  const col = ws, buf = col + align64(<usize>rows * nb << 2), ldp = buf + align64(<usize>kg * nb << 2);
  const gemmWs = ldp + 64;
  const wC = w + ((<usize>(g * kg * rows + c0 * taps)) << 2);
  if (n1 < 0) n1 = N;
  for (let n = n0; !accumulate && n < n1; n++) {
    memory.fill(dx + ((<usize>(n * C + g * cg + c0) * inPlane) << 2), 0, <usize>channels * inPlane << 2);
  }
  const first = n0 * pixels, end = n1 * pixels;
  for (let b0 = first - first % nb; b0 < end; b0 += nb) {
    const j0 = max(b0, first), j1 = min(end, b0 + nb), nq = j1 - j0;
    const B = dyColumns(dy, K, g, kg, pixels, j0, j1, buf, ldp);
    sgemm(1, 0, channels * taps, nq, kg, wC, rows, B, load<i32>(ldp), col, nq, 0, gemmWs);
    let j = j0;
    while (j < j1) {
      const n = j / pixels, q = j - n * pixels, len = min(pixels - q, j1 - j);
      col2imBlockAdd(p, channels, col + (<usize>(j - j0) << 2), nq, q, q + len,
        dx + ((<usize>(n * C + g * cg + c0) * inPlane) << 2));
      j += len;
    }
  }
}

function weightColumnWorkspaceBytes(p: usize): usize {
  const kg = convK(p) / convG(p), taps = convKH(p) * convKW(p);
  const cb = weightBlockChannels(p), nb = weightBlockCols(p);
  return align64(<usize>cb * taps * nb << 2) + align64(<usize>kg * nb << 2) + 64 + sgemmWorkspaceBytes(kg, cb * taps, nb);
}

/**
 * dW columns of input channels [c0, c1) of group g, in sub-blocks of ≤ weightBlockChannels(p)
 * channels from c0, each summed over the flattened column blocks in order (same per-element order
 * for any channel split). ws holds weightColumnWorkspaceBytes(p). Samples [n0, n1) only (n1 < 0:
 * every sample; blocks then start at n0's first column): a thread part's share of a sum over the batch.
 */
export function columnBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, ws: usize, g: i32, c0: i32, c1: i32,
  n0: i32 = 0, n1: i32 = -1): void {
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = colRows(p), taps = convKH(p) * convKW(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const cb = weightBlockChannels(p), nb = weightBlockCols(p);
  const col = ws, buf = col + align64(<usize>cb * taps * nb << 2), ldp = buf + align64(<usize>kg * nb << 2);
  const gemmWs = ldp + 64;
  if (n1 < 0) n1 = N;
  const first = n0 * pixels, end = n1 * pixels;
  for (let cs = c0; cs < c1; cs += cb) {
    const channels = min(cb, c1 - cs);
    const dwC = dw + ((<usize>g * kg * rows + <usize>cs * taps) << 2);
    let accumulate = 0;
    for (let j0 = first; j0 < end; j0 += nb) {
      const j1 = min(end, j0 + nb), nq = j1 - j0;
      const A = dyColumns(dy, K, g, kg, pixels, j0, j1, buf, ldp);
      let j = j0;
      while (j < j1) {
        const n = j / pixels, q = j - n * pixels, len = min(pixels - q, j1 - j);
        im2colBlock(p, channels, x + ((<usize>(n * C + g * cg + cs) * inPlane) << 2), q, q + len,
          col + (<usize>(j - j0) << 2), nq);
        j += len;
      }
      sgemm(0, 1, kg, channels * taps, nq, A, load<i32>(ldp), col, nq, dwC, rows, accumulate, gemmWs);
      accumulate = 1;
    }
  }
}

/** dW columns of channels [c0, c1) of group g for a pointwise conv on big images: x in place, per sample. */
export function pointwiseBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, ws: usize, g: i32, c0: i32, c1: i32): void {
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, pixels = convOH(p) * convOW(p);
  const cb = weightBlockChannels(p);
  for (let cs = c0; cs < c1; cs += cb) {
    const channels = min(cb, c1 - cs);
    const dwC = dw + ((<usize>g * kg * cg + <usize>cs) << 2);
    for (let n = 0; n < N; n++) {
      const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
      const xC = x + ((<usize>(n * C + g * cg + cs) * pixels) << 2);
      sgemm(0, 1, kg, channels, pixels, dyG, pixels, xC, pixels, dwC, cg, n > 0 ? 1 : 0, ws);
    }
  }
}

// ---------------------------------------------------------------- whole ops

export function conv2dBackwardDataWorkspaceBytes(p: usize): usize {
  if (isDepthwise(p)) return 0;
  const G = convG(p);
  if (isPointwise(p)) return sgemmWorkspaceBytes(convC(p) / G, convH(p) * convW(p), convK(p) / G);
  if (flipsBackwardData(p)) return flippedWorkspaceBytes(p);
  return dataColumnWorkspaceBytes(p);
}

export function conv2dBackwardWeightWorkspaceBytes(p: usize): usize {
  if (isDepthwise(p)) return 0;
  const G = convG(p);
  if (pointwiseWeightInPlace(p)) return sgemmWorkspaceBytes(convK(p) / G, weightBlockChannels(p), convH(p) * convW(p));
  return weightColumnWorkspaceBytes(p);
}

/**
 * dx = conv_transpose(dy, w), or dx += conv_transpose(dy, w) when accumulate ≠ 0 (a layer whose input
 * feeds several paths — DCD's static conv, q and pool — adds each path's gradient in its own write
 * instead of through a scratch copy and an add pass).
 */
export function conv2dBackwardData(p: usize, dy: usize, w: usize, dx: usize, accumulate: i32, ws: usize): void {
  if (isDepthwise(p)) {
    depthwiseBackwardDataInto(p, dy, w, dx, accumulate != 0);
    return;
  }
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G;
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  if (isPointwise(p)) {
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < G; g++) {
        const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
        const wG = w + ((<usize>g * kg * cg) << 2);
        const dxG = dx + ((<usize>(n * C + g * cg) * inPlane) << 2);
        sgemm(1, 0, cg, pixels, kg, wG, cg, dyG, pixels, dxG, pixels, accumulate, ws);
      }
    }
    return;
  }
  const flipped = flipsBackwardData(p);
  for (let g = 0; g < G; g++) {
    if (flipped) flippedBackwardData(p, dy, w, dx, ws, g, 0, cg, accumulate);
    else columnBackwardData(p, dy, w, dx, ws, g, 0, cg, accumulate);
  }
}

/** dw = Σ_n dy ⋆ x, db = Σ_{n,h,w} dy (db = 0: skip). Overwrites dw and db. */
export function conv2dBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, db: usize, ws: usize): void {
  if (isDepthwise(p)) {
    depthwiseConv2dBackwardWeight(p, x, dy, dw, db);
    return;
  }
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G;
  const pixels = convOH(p) * convOW(p);
  // With no samples every sum is empty (sgemm never runs to overwrite).
  if (N == 0) memory.fill(dw, 0, <usize>K * colRows(p) << 2);
  else {
    const inPlace = pointwiseWeightInPlace(p);
    for (let g = 0; g < G; g++) {
      if (inPlace) pointwiseBackwardWeight(p, x, dy, dw, ws, g, 0, cg);
      else columnBackwardWeight(p, x, dy, dw, ws, g, 0, cg);
    }
  }
  if (db) biasGradient(dy, db, N, K, pixels);
}

// db[o] = Σ_{n,q} dy[n, o, q]
function biasGradient(dy: usize, db: usize, N: i32, K: i32, pixels: i32): void {
  for (let o = 0; o < K; o++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += planeSum(dy + ((<usize>(n * K + o) * pixels) << 2), pixels);
    store<f32>(db + (<usize>o << 2), s);
  }
}
