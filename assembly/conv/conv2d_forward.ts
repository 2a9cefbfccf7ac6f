// conv2d forward: per sample n and group g,  Y[n,g] = W[g] · col(X[n,g]) (+ b[g]),
// a GEMM with M = Cout/G, N = OH·OW, K = Cin/G·KH·KW run by the shared blocked driver.
//   1×1 / stride 1 / pad 0: B is the input itself (no copy at all).
//   otherwise:              B is packed straight from the image (implicit im2col, pack_b_conv.ts).
//   depthwise (G == C):     direct kernel (depthwise.ts), GEMMs that thin would waste the packing.
// Bias (and an optional per-sample, per-output-channel scale) is fused into the GEMM's output write;
// conv2dForwardFused adds a residual and a clamp (ReLU / ReLU6) there too (gemm/epilogue.ts).

import { B_CONV, B_DENSE, gemmDriver, gemmWorkspaceBytes } from "../gemm/driver";
import { residualInPlace } from "../gemm/epilogue";
import {
  convC, convCinPerGroup, convCoutPerGroup, convG, convH, convIsDepthwise, convIsPointwise,
  convK, convN, convOH, convOW, convPatchSize, convW,
} from "./conv2d_params";
import { depthwiseConv2dForward, depthwiseForwardFused } from "./depthwise";
import { MR_WIDE, align64, roundUp } from "../gemm/config";
import { conv2dBackwardDataWorkspaceBytes, conv2dBackwardWeightWorkspaceBytes } from "./conv2d_backward";

/** Workspace bytes for pass 0 = forward, 1 = backward data, 2 = backward weight. */
export function conv2dWorkspaceBytes(p: usize, pass: i32): usize {
  if (pass == 1) return conv2dBackwardDataWorkspaceBytes(p);
  if (pass == 2) return conv2dBackwardWeightWorkspaceBytes(p);
  if (convIsDepthwise(p)) return 0; // the direct kernel needs no scratch
  return conv2dForwardScaledWorkspaceBytes(p);
}

/** Workspace of conv2dForwardScaled: the scaled depthwise case runs on the GEMM path too. */
export function conv2dForwardScaledWorkspaceBytes(p: usize): usize {
  const pixels = convOH(p) * convOW(p);
  return gemmWorkspaceBytes(convCoutPerGroup(p), batchesColumns(p) ? convN(p) * pixels : pixels, convPatchSize(p));
}

/**
 * Small images (< BATCH_COLUMNS_BELOW output pixels) of a batch run as ONE GEMM per group whose
 * columns are every sample's pixels (implicit im2col across samples, gemm/pack_b_conv.ts): no
 * partial column tile per sample (49 pixels = 6 full tiles + a 1-column one) and one pass over
 * the weights instead of N. Results are bit-identical to the per-sample GEMMs (each output is
 * summed in the same order). Not with a per-sample scale.
 */
const BATCH_COLUMNS_BELOW: i32 = 1024;
/**
 * Pointwise (B = the input as is, packed per panel from each sample, gemm/pack_b.ts
 * packBSegmented) only below 128 pixels: 1×1 512→2048 @7² batch 8 +5 % (the 4 MiB of weights
 * streamed once, no 1-column edge tile per sample), 96↔576 @14² neutral.
 */
const BATCH_POINTWISE_COLUMNS_BELOW: i32 = 128;

// @ts-ignore: decorator
@inline export function batchesColumns(p: usize): bool {
  const pixels = convOH(p) * convOW(p);
  return convN(p) > 1 && pixels < (convIsPointwise(p) ? BATCH_POINTWISE_COLUMNS_BELOW : BATCH_COLUMNS_BELOW);
}

/** y = conv(x, w) + b   (b = 0: no bias). Overwrites y. */
export function conv2dForward(p: usize, x: usize, w: usize, b: usize, y: usize, ws: usize): void {
  conv2dForwardScaled(p, x, w, b, 0, y, ws);
}

/**
 * Workspace of conv2dForwardFused: conv2dWorkspaceBytes(p, 0), and for a depthwise conv one output
 * plane (+64 to realign), where an in-place call (residual == y) computes each plane first.
 */
export function conv2dForwardFusedWorkspaceBytes(p: usize): usize {
  if (convIsDepthwise(p)) return align64((<usize>convOH(p) * convOW(p)) << 2) + 64;
  return conv2dWorkspaceBytes(p, 0);
}

/**
 * y = clamp(conv(x, w) + b + residual, lo, hi), in the conv's output write (no extra pass over y).
 * residual (N, Cout, OH, OW) or 0 = none; residual == y is allowed (in place: the GEMM path then
 * accumulates onto y, so the residual is added before the bias: the same up to rounding). lo / hi:
 * −Inf / +Inf = no clamp, 0 / +Inf = ReLU, 0 / 6 = ReLU6. ws: conv2dForwardFusedWorkspaceBytes(p).
 */
export function conv2dForwardFused(
  p: usize, x: usize, w: usize, b: usize, residual: usize, y: usize, ws: usize, lo: f32, hi: f32,
): void {
  if (convIsDepthwise(p)) {
    depthwiseForwardFused(p, x, w, b, y, residual, lo, hi, align64(ws));
    return;
  }
  conv2dForwardGemm(p, x, w, b, 0, y, ws, residual, lo, hi, 0);
}

/**
 * y[n, k] = scale[n, k] · (conv(x, w)[n, k] + b[k])   — DCD's λ ⊙ conv(x, W0), fused.
 * scale is N×Cout f32 (0 = none: plain conv2dForward); ws must hold
 * conv2dForwardScaledWorkspaceBytes(p) (≥ conv2dWorkspaceBytes(p, 0)). A scaled depthwise conv
 * takes the GEMM path, since the direct kernel has no scale.
 * The scale is applied while packing the weights, so it costs nothing per output pixel.
 */
export function conv2dForwardScaled(p: usize, x: usize, w: usize, b: usize, scale: usize, y: usize, ws: usize): void {
  if (!scale && convIsDepthwise(p)) {
    depthwiseConv2dForward(p, x, w, b, y);
    return;
  }
  conv2dForwardGemm(p, x, w, b, scale, y, ws, 0, -Infinity, Infinity, 0);
}

/**
 * The GEMM path of conv2dForwardScaled / conv2dForwardFused / conv2dForwardPacked (no scale with a
 * residual or clamp; packed ≠ 0: the weights as conv2dPackWeights left them, w unused).
 */
export function conv2dForwardGemm(
  p: usize, x: usize, w: usize, b: usize, scale: usize, y: usize, ws: usize, residual: usize, lo: f32, hi: f32,
  packed: usize,
): void {
  const N = convN(p), C = convC(p), K = convK(p), G = convG(p);
  const cinG = convCinPerGroup(p), coutG = convCoutPerGroup(p), patch = convPatchSize(p);
  const inPlane = <usize>convH(p) * convW(p);
  const outPlane = <usize>convOH(p) * convOW(p);
  const pointwise = convIsPointwise(p);
  const acc = residualInPlace(residual, y);
  const res: usize = acc ? 0 : residual;
  const packedRows = roundUp(coutG, MR_WIDE);
  if (!scale && batchesColumns(p)) {
    for (let g = 0; g < G; g++) {
      const pg = packed ? packed + ((<usize>g * packedRows * patch) << 2) : 0;
      const xg = x + ((<usize>(g * cinG) * inPlane) << 2);
      const yg = y + ((<usize>(g * coutG) * outPlane) << 2);
      const wg = w + ((<usize>g * coutG * patch) << 2);
      const bg = b ? b + (<usize>(g * coutG) << 2) : 0;
      gemmDriver(coutG, N * <i32>outPlane, patch, wg, patch, 0, 0,
        pointwise ? B_DENSE : B_CONV, xg, <i32>inPlane, 0, p, yg, <i32>outPlane, acc, bg, ws,
        0, <i32>outPlane, (<usize>C * inPlane) << 2, (<usize>K * outPlane) << 2,
        res ? res + (yg - y) : 0, lo, hi, pg, packedRows);
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const xg = x + ((<usize>(n * C + g * cinG) * inPlane) << 2);
      const yg = y + ((<usize>(n * K + g * coutG) * outPlane) << 2);
      const wg = w + ((<usize>g * coutG * patch) << 2);
      const bg = b ? b + (<usize>(g * coutG) << 2) : 0;
      const sg = scale ? scale + (<usize>(n * K + g * coutG) << 2) : 0;
      const rg = res ? res + (yg - y) : 0;
      const pg = packed ? packed + ((<usize>g * packedRows * patch) << 2) : 0;
      if (pointwise) {
        gemmDriver(coutG, <i32>outPlane, patch, wg, patch, 0, sg,
          B_DENSE, xg, <i32>inPlane, 0, 0, yg, <i32>outPlane, acc, bg, ws, 0, 0, 0, 0, rg, lo, hi, pg, packedRows);
      } else {
        gemmDriver(coutG, <i32>outPlane, patch, wg, patch, 0, sg,
          B_CONV, xg, 0, 0, p, yg, <i32>outPlane, acc, bg, ws, 0, 0, 0, 0, rg, lo, hi, pg, packedRows);
      }
    }
  }
}
