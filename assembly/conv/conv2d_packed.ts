// Pre-packed conv weights (issue 11; XNNPACK packs weights once in its create step). The relaxed
// build's wide 5×8 tile reads the weights (GEMM operand A) from MR_WIDE-row panels, which the
// driver otherwise packs on every call, per K block and MC_WIDE rows (gemm/pack_a.ts packAWide).
// A prepared conv packs them once (conv2dPackWeights) and runs conv2dForwardPacked, whose GEMMs
// read the panels (gemmDriver's preA) and take the wide tile whatever their column count.
//
// Layout, per group g at g·Mp·patch floats (Mp = Cout/G rounded up to MR_WIDE; rows past Cout/G
// are zero): K blocks as the driver cuts them (gemmKcStep); block [pc, pc + kc) holds Mp·kc floats
// at pc·Mp, the panel of rows i … i + 4 at + i·kc (packAWide's own layout of a whole block).
// Any MR_WIDE-aligned row range finds its panels there, so thread parts may split rows by 20.

import { MR_WIDE, WIDE_MIN_M, roundUp } from "../gemm/config";
import { gemmKcStep } from "../gemm/driver";
import { packAWide } from "../gemm/pack_a";
import { convCoutPerGroup, convG, convIsDepthwise, convOH, convOW, convPatchSize } from "./conv2d_params";
import { conv2dForwardGemm } from "./conv2d_forward";

/**
 * Bytes of conv2dPackWeights' panels, or 0 when this conv's forward has nothing to gain from
 * them (not the relaxed-SIMD build, depthwise, or fewer than WIDE_MIN_M output channels per group,
 * where the 4×8 tile reads the weights in place).
 */
export function conv2dPackedWeightsBytes(p: usize): usize {
  if (!ASC_FEATURE_RELAXED_SIMD || convIsDepthwise(p) || convCoutPerGroup(p) < WIDE_MIN_M) return 0;
  // one output pixel: at batch 1 the driver reads the weights in place as a GEMV (gemm/gemv.ts)
  if (convOH(p) * convOW(p) == 1) return 0;
  return (<usize>convG(p) * roundUp(convCoutPerGroup(p), MR_WIDE) * convPatchSize(p)) << 2;
}

/** packed = w (Cout, Cin/G, KH, KW) in the layout above; packed holds conv2dPackedWeightsBytes(p) bytes. */
export function conv2dPackWeights(p: usize, w: usize, packed: usize): void {
  const coutG = convCoutPerGroup(p), patch = convPatchSize(p), mp = roundUp(coutG, MR_WIDE);
  const kcStep = gemmKcStep(patch);
  for (let g = 0; g < convG(p); g++) {
    const wg = w + ((<usize>g * coutG * patch) << 2);
    const pg = packed + ((<usize>g * mp * patch) << 2);
    for (let pc = 0; pc < patch; pc += kcStep) {
      const kc = min(kcStep, patch - pc);
      packAWide(wg, patch, 0, 0, coutG, pc, kc, 0, pg + ((<usize>pc * mp) << 2));
    }
  }
}

/**
 * conv2dForwardFused with the weights as conv2dPackWeights left them (only when
 * conv2dPackedWeightsBytes(p) > 0). ws: conv2dForwardFusedWorkspaceBytes(p).
 */
export function conv2dForwardPacked(
  p: usize, x: usize, packed: usize, b: usize, residual: usize, y: usize, ws: usize, lo: f32, hi: f32,
): void {
  conv2dForwardGemm(p, x, 0, b, 0, y, ws, residual, lo, hi, packed);
}
