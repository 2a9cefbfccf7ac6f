// conv2d backward data / weight via sgemm, per sample and group.
//
//   backward data:   colGrad = W_gᵀ · dY_g            (CgKK × pixels), then col2im scatter-add into dx
//   backward weight: dW_g   += dY_g · col(x_g)ᵀ      (Kg × CgKK), accumulated over samples and blocks
//
// Output pixels are processed in blocks so the column buffer stays bounded (≤ COL_BLOCK_FLOATS
// floats, whatever the image size). 1×1 / stride-1 / pad-0 convs skip the column buffer and run
// sgemm on x / dx as they are; depthwise convs (G == C) go to the direct kernels.
//
// Workspace layout: [column block, 64-byte aligned] [sgemm workspace].

import { sgemm, sgemmWorkspaceBytes } from "../gemm/sgemm";
import { im2colBlock, col2imBlockAdd } from "./im2col";
import { depthwiseConv2dBackwardData, depthwiseConv2dBackwardWeight } from "./depthwise";
import { planeSum } from "./depthwise_plane";
import {
  convN, convC, convH, convW, convK, convG, convOH, convOW,
  convIsDepthwise as isDepthwise, convIsPointwise as isPointwise, convPatchSize as colRows,
} from "./conv2d_params";

// 64K floats = 256 KiB: big enough for sgemm to run at speed, small enough to stay in cache.
const COL_BLOCK_FLOATS: i32 = 65536;

/** Output pixels per block: a multiple of 16 (or the whole image when smaller). */
export function blockPixels(p: usize): i32 {
  const pixels = convOH(p) * convOW(p);
  const fit = max(16, (COL_BLOCK_FLOATS / colRows(p)) & ~15);
  return min(pixels, fit);
}

@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/** Column block bytes, then room for the larger of the full-block and tail-block sgemm calls. */
function blockedWorkspaceBytes(p: usize, forWeight: bool): usize {
  const rows = colRows(p), kg = convK(p) / convG(p);
  const pixels = convOH(p) * convOW(p);
  const nb = blockPixels(p), tail = pixels % nb;
  const gemmBytes = forWeight
    ? max(sgemmWorkspaceBytes(kg, rows, nb), tail ? sgemmWorkspaceBytes(kg, rows, tail) : 0)
    : max(sgemmWorkspaceBytes(rows, nb, kg), tail ? sgemmWorkspaceBytes(rows, tail, kg) : 0);
  return align64(<usize>rows * nb << 2) + gemmBytes;
}

export function conv2dBackwardDataWorkspaceBytes(p: usize): usize {
  if (isDepthwise(p)) return 0;
  const G = convG(p);
  if (isPointwise(p)) return sgemmWorkspaceBytes(convC(p) / G, convH(p) * convW(p), convK(p) / G);
  return blockedWorkspaceBytes(p, false);
}

export function conv2dBackwardWeightWorkspaceBytes(p: usize): usize {
  if (isDepthwise(p)) return 0;
  const G = convG(p);
  if (isPointwise(p)) return sgemmWorkspaceBytes(convK(p) / G, convC(p) / G, convH(p) * convW(p));
  return blockedWorkspaceBytes(p, true);
}

/** dx = conv_transpose(dy, w). Overwrites dx. */
export function conv2dBackwardData(p: usize, dy: usize, w: usize, dx: usize, ws: usize): void {
  if (isDepthwise(p)) {
    depthwiseConv2dBackwardData(p, dy, w, dx);
    return;
  }
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = colRows(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const pointwise = isPointwise(p);
  const nb = blockPixels(p);
  const col = ws, gemmWs = pointwise ? ws : ws + align64(<usize>rows * nb << 2);
  if (!pointwise) memory.fill(dx, 0, <usize>N * C * inPlane << 2);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
      const wG = w + ((<usize>g * kg * rows) << 2);
      const dxG = dx + ((<usize>(n * C + g * cg) * inPlane) << 2);
      if (pointwise) {
        sgemm(1, 0, cg, pixels, kg, wG, cg, dyG, pixels, dxG, pixels, 0, gemmWs);
        continue;
      }
      for (let q0 = 0; q0 < pixels; q0 += nb) {
        const nq = min(nb, pixels - q0);
        sgemm(1, 0, rows, nq, kg, wG, rows, dyG + (<usize>q0 << 2), pixels, col, nq, 0, gemmWs);
        col2imBlockAdd(p, cg, col, nq, q0, q0 + nq, dxG);
      }
    }
  }
}

/** dw = Σ_n dy ⋆ x, db = Σ_{n,h,w} dy (db = 0: skip). Overwrites dw and db. */
export function conv2dBackwardWeight(p: usize, x: usize, dy: usize, dw: usize, db: usize, ws: usize): void {
  if (isDepthwise(p)) {
    depthwiseConv2dBackwardWeight(p, x, dy, dw, db);
    return;
  }
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G, rows = colRows(p);
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  const pointwise = isPointwise(p);
  const nb = blockPixels(p);
  const col = ws, gemmWs = pointwise ? ws : ws + align64(<usize>rows * nb << 2);
  const taps = rows / cg;
  // With no samples every sum is empty (sgemm never runs to overwrite).
  if (N == 0) memory.fill(dw, 0, <usize>K * rows << 2);
  // dW is accumulated over samples (and pixel blocks) by sgemm calls that each load and store the
  // whole of it: a dW of megabytes (256→256 3×3: 2.4 MB) would stream through memory once per
  // sample. So the samples loop runs inside blocks of input channels (= column blocks of dW, each
  // ≤ DW_BLOCK_FLOATS), as the part kernels split them: a block stays in L2 across samples.
  // Each element's summation order (pixel blocks, then samples) is unchanged.
  const cMax = max(1, DW_BLOCK_FLOATS / (kg * taps));
  const cb = (cg + (cg + cMax - 1) / cMax - 1) / ((cg + cMax - 1) / cMax); // equal blocks ≤ cMax
  for (let g = 0; g < G; g++) {
    for (let c0 = 0; c0 < cg; c0 += cb) {
      const channels = min(cb, cg - c0);
      const dwC = dw + ((<usize>g * kg * rows + <usize>c0 * taps) << 2);
      let accumulate = 0;
      for (let n = 0; n < N; n++) {
        const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
        const xC = x + ((<usize>(n * C + g * cg + c0) * inPlane) << 2);
        if (pointwise) {
          sgemm(0, 1, kg, channels, pixels, dyG, pixels, xC, inPlane, dwC, cg, accumulate, gemmWs);
          accumulate = 1;
          continue;
        }
        for (let q0 = 0; q0 < pixels; q0 += nb) {
          const nq = min(nb, pixels - q0);
          im2colBlock(p, channels, xC, q0, q0 + nq, col, nq);
          sgemm(0, 1, kg, channels * taps, nq, dyG + (<usize>q0 << 2), pixels, col, nq, dwC, rows, accumulate, gemmWs);
          accumulate = 1;
        }
      }
    }
  }
  if (db) biasGradient(dy, db, N, K, pixels);
}

// A column block of dW accumulated across samples: 128K floats = 512 KiB, half of L2.
const DW_BLOCK_FLOATS: i32 = 131072;

// db[o] = Σ_{n,q} dy[n, o, q]
function biasGradient(dy: usize, db: usize, N: i32, K: i32, pixels: i32): void {
  for (let o = 0; o < K; o++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += planeSum(dy + ((<usize>(n * K + o) * pixels) << 2), pixels);
    store<f32>(db + (<usize>o << 2), s);
  }
}
