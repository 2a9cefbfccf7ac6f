// Inference (eval-mode, nothing kept for a backward) forward of a DCD layer, composed, in ONE call:
//   g = pool(x); (φ, λ) = dynamic branch(g)                                   [dcdBranchForward]
//   per sample: y = λ ⊙ conv(x, W0, b0); zq = q(x); z1 = bn1(zq); w = Φ·z1; z = bn2(w) + z1; y += P·z
// The same kernels the bindings call one by one on the training path (bindings/backends/wasm/
// dcd_forward.ts). Called from there, with ~15 scratch blocks, this path's forward took 73–89 µs (CPU
// time) longer than replaying its kernel calls, ~2 % of conv_dy 3×3 256→256 @14² at batch 1 (conv2d:
// 20–45 µs): the JS runs cold after the 4 ms static conv.
//
// λ: one pass scales y after the static conv, while y is in cache (Cout·HW per sample against the conv's
// Cout·HW·Cin·k²). Folding it into the GEMM's pack of W0 (free where the GEMM packs anyway) ended with
// pre-packed W0 (word 56), and a pass everywhere keeps the prepared layer, the call-by-call one and the
// threads split (forward_eval_part.ts) the same bits.
//
// plan: DCD_EVAL_PLAN_WORDS i32 (the bindings write it):
//   [0, 16)  the static conv's descriptor with N = 1 (conv2d ABI order)
//   [16, 32) q's descriptor with N = 1 (unused when L = 0)
//   [32] pool: 1 = global average, 2 = adaptive 2×2   [33] S   [34] L (0 = no latent path: Λ only)   [35] B
//   [36] W0 [37] b0 (0 = none) [38] q [39] p [40] fc.0 [41] fc.1.fc.0 [42] fc_phi [43] fc_scale (0 = no λ)
//   [44, 48) bn1 weight, bias, running_mean, running_var   [48, 52) bn2 the same
//   [52] postBias (Cout; 0 = none) [53] residual (y's shape; 0 = none) [54] lo [55] hi (f32 bits; −Inf / +Inf
//   = no clamp): the fused output, per sample, in the epilogue of the projection's gemm (the last write
//   of y: dcdProjectForwardFused), or one pass over y when there is no latent path (dcd/epilogue.ts)
//   [56] W0 as conv2dPackWeights' panels (0 = none; then [36] may be 0): a prepared layer packs W0 once
//   instead of copying it, as a prepared static conv does, and λ scales y in a pass afterwards. The
//   per-call pack it replaces was 13 % of the one-call layers' time in a planned DCD-MobileNetV2
//   (V8 profile: packAWide of 960→160's 154K weights for 49 pixels).
import { conv2dForward, conv2dWorkspaceBytes } from "../conv/conv2d_forward";
import { conv2dForwardPacked } from "../conv/conv2d_packed";
import { convC, convH, convK, convOH, convOW, convW } from "../conv/conv2d_params";
import { batchNormForwardEval } from "../nn/batchnorm";
import { adaptiveAvgPoolForward, globalAvgPoolForward } from "../nn/pool";
import { dcdBranchForward, dcdBranchWorkspaceBytes } from "./branch";
import { f32Block } from "./gemm";
import { dcdPhiForward } from "./phi";
import { dcdProjectForward, dcdProjectForwardFused, dcdProjectWorkspaceBytes } from "./project";
import { dcdScaleForward } from "./scale";
import { dcdOutputEpilogueSample } from "./epilogue";
import { clampNeeded } from "../gemm/epilogue";

export const DCD_EVAL_PLAN_WORDS: i32 = 57;
export const Q_DESC = 16;
export const POOL = 32, SQUEEZE = 33, LATENT = 34, BLOCKS = 35;
export const W0 = 36, B0 = 37, Q = 38, P = 39, FC0 = 40, SE = 41, FC_PHI = 42, FC_SCALE = 43, BN1 = 44, BN2 = 48;
export const POST_BIAS = 52, RESIDUAL = 53, LO = 54, HI = 55, PACKED_W0 = 56;

// @ts-ignore: decorator
@inline export function word(plan: usize, i: i32): i32 {
  return load<i32>(plan + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function pointer(plan: usize, i: i32): usize {
  return <usize>word(plan, i);
}

// @ts-ignore: decorator
@inline export function pooledWidth(plan: usize): i32 {
  const pool = word(plan, POOL);
  return convC(plan) * pool * pool;
}

// @ts-ignore: decorator
@inline export function pixelsOut(plan: usize): i32 {
  return convOH(plan) * convOW(plan);
}

/** Φ's floats per sample: B blocks of lb × lb (0 without a latent path). */
// @ts-ignore: decorator
@inline export function phiWidth(plan: usize): i32 {
  const L = word(plan, LATENT), B = word(plan, BLOCKS);
  return L > 0 ? L / B * L : 0;
}

/** The branch's outputs for all N samples: g, s, t, s2, φ, u, λ (workspace order). */
// @ts-ignore: decorator
@inline export function branchBytes(plan: usize, N: i32): usize {
  const S = word(plan, SQUEEZE);
  return f32Block(N * pooledWidth(plan)) + 3 * f32Block(N * S) + f32Block(N * phiWidth(plan)) + 2 * f32Block(N * convK(plan));
}

/** Where φ (N × Mφ) sits in the branch's outputs at `base` (branchBytes' layout: g, s, t, s2, φ, u, λ). */
// @ts-ignore: decorator
@inline export function branchPhi(plan: usize, N: i32, base: usize): usize {
  return base + f32Block(N * pooledWidth(plan)) + 3 * f32Block(N * word(plan, SQUEEZE));
}

/** Where λ (N × Cout) sits in the branch's outputs at `base`. */
// @ts-ignore: decorator
@inline export function branchLambda(plan: usize, N: i32, base: usize): usize {
  return branchPhi(plan, N, base) + f32Block(N * phiWidth(plan)) + f32Block(N * convK(plan));
}

/** g = pool(x), then the dynamic branch, into the outputs at `base` (branchBytes); ws: the branch's workspace. */
export function poolAndBranch(plan: usize, N: i32, x: usize, base: usize, ws: usize): void {
  const cin = convC(plan), cout = convK(plan), pooled = pooledWidth(plan), S = word(plan, SQUEEZE);
  const s = base + f32Block(N * pooled), t = s + f32Block(N * S), s2 = t + f32Block(N * S);
  const phi = branchPhi(plan, N, base), u = phi + f32Block(N * phiWidth(plan));
  if (word(plan, POOL) == 1) globalAvgPoolForward(N, cin, convH(plan), convW(plan), x, base);
  else adaptiveAvgPoolForward(N, cin, convH(plan), convW(plan), 2, 2, x, base);
  dcdBranchForward(N, pooled, S, phiWidth(plan), cout, base, pointer(plan, FC0), pointer(plan, SE),
    word(plan, LATENT) > 0 ? pointer(plan, FC_PHI) : 0, pointer(plan, FC_SCALE), s, t, s2, phi, u,
    branchLambda(plan, N, base), ws);
}

export function dcdEvalForwardWorkspaceBytes(plan: usize, N: i32): usize {
  const L = word(plan, LATENT), cout = convK(plan), hw = pixelsOut(plan);
  let kernels = dcdBranchWorkspaceBytes(N, pooledWidth(plan), word(plan, SQUEEZE), phiWidth(plan), cout);
  kernels = max(kernels, conv2dWorkspaceBytes(plan, 0));
  if (L > 0) {
    kernels = max(kernels, conv2dWorkspaceBytes(plan + (<usize>Q_DESC << 2), 0));
    kernels = max(kernels, dcdProjectWorkspaceBytes(cout, L, word(plan, BLOCKS), hw));
  }
  return branchBytes(plan, N) + 2 * f32Block(L * hw) + kernels; // + zq and w of one sample
}

/**
 * One sample's latent path: zq = q(x); bn1 in place (zq becomes z1); w = Φ·z1; z = bn2(w) + z1
 * overwrites w. phiI: this sample's Φ; ws: conv2dWorkspaceBytes of q. Also the threads' dynamic part
 * (forward_eval_part.ts).
 */
export function latentSample(plan: usize, x: usize, phiI: usize, eps: f32, zq: usize, w: usize, ws: usize): void {
  const L = word(plan, LATENT), B = word(plan, BLOCKS), hwOut = pixelsOut(plan);
  const bn1 = plan + (<usize>BN1 << 2), bn2 = plan + (<usize>BN2 << 2);
  conv2dForward(plan + (<usize>Q_DESC << 2), x, pointer(plan, Q), 0, zq, ws);
  batchNormForwardEval(1, L, hwOut, zq, pointer(bn1, 0), pointer(bn1, 1), pointer(bn1, 2), pointer(bn1, 3), eps, 0, zq);
  dcdPhiForward(1, B, L / B, hwOut, phiI, zq, w);
  batchNormForwardEval(1, L, hwOut, w, pointer(bn2, 0), pointer(bn2, 1), pointer(bn2, 2), pointer(bn2, 3), eps, zq, w);
}

/** y (N, Cout, OH, OW) for x (N, Cin, H, W); eps of both BatchNorms; ws of dcdEvalForwardWorkspaceBytes. */
export function dcdEvalForward(plan: usize, N: i32, x: usize, y: usize, eps: f32, ws: usize): void {
  const cin = convC(plan), cout = convK(plan), hwIn = convH(plan) * convW(plan), hwOut = pixelsOut(plan);
  const L = word(plan, LATENT), B = word(plan, BLOCKS), mphi = phiWidth(plan);
  const phi = branchPhi(plan, N, ws), lam = branchLambda(plan, N, ws);
  const zq = ws + branchBytes(plan, N);
  const w = zq + f32Block(L * hwOut);
  const kws = w + f32Block(L * hwOut);
  const hasLambda = pointer(plan, FC_SCALE) != 0;

  poolAndBranch(plan, N, x, ws, kws);

  const sDesc = plan, packedW0 = pointer(plan, PACKED_W0);
  const xStep = <usize>cin * hwIn << 2, yStep = <usize>cout * hwOut << 2;
  const postBias = pointer(plan, POST_BIAS), residual = pointer(plan, RESIDUAL);
  const lo = load<f32>(plan + (<usize>LO << 2)), hi = load<f32>(plan + (<usize>HI << 2));
  const epilogue = postBias != 0 || residual != 0 || clampNeeded(lo, hi);
  // sample by sample, so x[i] and y[i] are still in cache when q reads x[i] and p accumulates into y[i]
  for (let i = 0; i < N; i++) {
    const xi = x + <usize>i * xStep, yi = y + <usize>i * yStep;
    const lamI = lam + (<usize>(i * cout) << 2);
    if (packedW0) conv2dForwardPacked(sDesc, xi, packedW0, pointer(plan, B0), 0, yi, kws, -Infinity, Infinity);
    else conv2dForward(sDesc, xi, pointer(plan, W0), pointer(plan, B0), yi, kws);
    if (hasLambda) dcdScaleForward(1, cout, hwOut, lamI, yi, yi);
    if (L > 0) {
      latentSample(plan, xi, phi + (<usize>(i * mphi) << 2), eps, zq, w, kws);
      const res = residual != 0 ? residual + <usize>i * yStep : 0;
      if (epilogue) dcdProjectForwardFused(cout, L, B, hwOut, pointer(plan, P), w, yi, postBias, res, lo, hi, kws);
      else dcdProjectForward(1, cout, L, B, hwOut, pointer(plan, P), w, yi, 1, kws);
    } else if (epilogue) {
      dcdOutputEpilogueSample(cout, hwOut, yi, postBias, residual != 0 ? residual + <usize>i * yStep : 0, lo, hi);
    }
  }
}
