// dcdEvalForward (forward_eval.ts, same plan) split for the thread pool. On one thread a composed DCD
// layer's dynamic parts — pool, branch FCs, q, the BatchNorms, Φ — run before and after its static
// conv; with threads they run BESIDE it: the static conv does not depend on them (λ scales its output
// afterwards), so one job holds both:
//   dcdEvalForwardPart(plan, N, x, y, epsBits, shared, ws, part, parts), parts = 1 + the conv's parts:
//     part parts − 1 (the pool hands the highest part out first): pool, branch (φ, λ) and the latent
//       path up to z for every sample, into `shared` (dcdEvalForwardSharedBytes);
//     parts 0 … parts − 2: conv2dForwardPart of the static conv over all N samples, y = conv(x, W0) + b0.
//   then per sample y = λ ⊙ y and y += P·z with the fused output in the projection's epilogue
//     (2·Cout·L·HW flops: 0.3 ms of 1×1 256→1024 @14², L = 16), split by output channels as a second
//     job (dcdEvalForwardFinishPart) or on the calling thread (dcdEvalForwardFinish).
// Measured on the work model of planned DCD-ResNet-18 (relaxed, 2 threads): the 512-channel layers'
// dynamic parts were 0.8 ms of their 6.1 on the calling thread alone.
// λ is applied as a pass over y, as on one thread.
// ws: PART_SCRATCH (this part's own: the static conv's descriptor with N samples), then
// dcdEvalForwardPartWorkspaceBytes(plan, N) bytes.
import { conv2dWorkspaceBytes } from "../conv/conv2d_forward";
import { conv2dForwardPackedPart, conv2dForwardPart } from "../conv/conv2d_forward_part";
import { convC, convCoutPerGroup, convH, convK, convPatchSize, convW } from "../conv/conv2d_params";
import { B_DENSE, gemmDriver, gemmWorkspaceBytes } from "../gemm/driver";
import { clampNeeded } from "../gemm/epilogue";
import { PART_SCRATCH, partStart1 } from "../gemm/partition";
import { MR } from "../gemm/config";
import { dcdBranchWorkspaceBytes } from "./branch";
import { dcdOutputEpilogueSample } from "./epilogue";
import {
  B0, BLOCKS, FC_SCALE, HI, LATENT, LO, P, PACKED_W0, POST_BIAS, Q_DESC, RESIDUAL, SQUEEZE, W0,
  branchBytes, branchLambda, branchPhi, latentSample, phiWidth, pixelsOut, pointer, poolAndBranch, pooledWidth, word,
} from "./forward_eval";
import { f32Block } from "./gemm";
import { dcdProjectWorkspaceBytes } from "./project";
import { dcdScaleForward } from "./scale";

/** The shared results of the dynamic part: the branch's (g, s, t, s2, φ, u, λ), then z1 and z of every sample. */
export function dcdEvalForwardSharedBytes(plan: usize, N: i32): usize {
  return branchBytes(plan, N) + 2 * f32Block(N * word(plan, LATENT) * pixelsOut(plan));
}

/** One thread's workspace after its PART_SCRATCH: the larger of a conv part's, the dynamic part's and the finish's. */
export function dcdEvalForwardPartWorkspaceBytes(plan: usize, N: i32): usize {
  const L = word(plan, LATENT), cout = convK(plan), hw = pixelsOut(plan);
  // the conv parts run the descriptor with N samples, whose GEMM may take every sample's pixels as columns
  let bytes = PART_SCRATCH + max(conv2dWorkspaceBytes(plan, 0), gemmWorkspaceBytes(convCoutPerGroup(plan), N * hw, convPatchSize(plan)));
  bytes = max(bytes, dcdBranchWorkspaceBytes(N, pooledWidth(plan), word(plan, SQUEEZE), phiWidth(plan), cout));
  if (L > 0) {
    bytes = max(bytes, conv2dWorkspaceBytes(plan + (<usize>Q_DESC << 2), 0));
    bytes = max(bytes, dcdProjectWorkspaceBytes(cout, L, word(plan, BLOCKS), hw));
  }
  return bytes;
}

export function dcdEvalForwardPart(
  plan: usize, N: i32, x: usize, y: usize, epsBits: i32, shared: usize, ws: usize, part: i32, parts: i32,
): void {
  if (part == parts - 1) {
    dynamicPart(plan, N, x, reinterpret<f32>(epsBits), shared, ws + PART_SCRATCH);
    return;
  }
  const desc = ws; // the static conv over all N samples
  memory.copy(desc, plan, 64);
  store<i32>(desc, N);
  const packed = pointer(plan, PACKED_W0); // W0's panels (forward_eval.ts): any 20-row part finds its own
  if (packed) {
    conv2dForwardPackedPart(desc, x, packed, pointer(plan, B0), 0, y, reinterpret<i32>(<f32>-Infinity), reinterpret<i32>(<f32>Infinity),
      ws + PART_SCRATCH, part, parts - 1);
  } else {
    conv2dForwardPart(desc, x, pointer(plan, W0), pointer(plan, B0), y, ws + PART_SCRATCH, part, parts - 1);
  }
}

/** Pool, branch and, with a latent path, z = bn2(Φ·bn1(q(x))) + bn1(q(x)) of every sample, into `shared`. */
function dynamicPart(plan: usize, N: i32, x: usize, eps: f32, shared: usize, ws: usize): void {
  const cin = convC(plan), hwIn = convH(plan) * convW(plan), hwOut = pixelsOut(plan), L = word(plan, LATENT);
  const mphi = phiWidth(plan), phi = branchPhi(plan, N, shared);
  poolAndBranch(plan, N, x, shared, ws);
  if (L <= 0) return;
  const zAll = shared + branchBytes(plan, N), wAll = zAll + f32Block(N * L * hwOut);
  const xStep = <usize>cin * hwIn << 2, zStep = <usize>L * hwOut << 2;
  for (let i = 0; i < N; i++) {
    latentSample(plan, x + <usize>i * xStep, phi + (<usize>(i * mphi) << 2), eps, zAll + <usize>i * zStep, wAll + <usize>i * zStep, ws);
  }
}

/** After every part, on one thread: y = λ ⊙ y, then y += P·z with the fused output (or the output pass alone without a latent path). */
export function dcdEvalForwardFinish(plan: usize, N: i32, y: usize, shared: usize, ws: usize): void {
  finishRows(plan, N, y, shared, ws, 0, convK(plan));
}

/**
 * dcdEvalForwardFinish, one part of `parts` (a second job after dcdEvalForwardPart's): output
 * channels o0 … o1 − 1 of every sample (multiples of the 4-row tile; the projection's gemm on a
 * slice of P's rows sums each element as on all of them). ws: PART_SCRATCH, then
 * dcdEvalForwardPartWorkspaceBytes(plan, N) bytes.
 */
export function dcdEvalForwardFinishPart(plan: usize, N: i32, y: usize, shared: usize, ws: usize, part: i32, parts: i32): void {
  const cout = convK(plan);
  const o0 = partStart1(cout, part, parts, MR), o1 = partStart1(cout, part + 1, parts, MR);
  if (o0 < o1) finishRows(plan, N, y, shared, ws + PART_SCRATCH, o0, o1);
}

function finishRows(plan: usize, N: i32, y: usize, shared: usize, ws: usize, o0: i32, o1: i32): void {
  const cout = convK(plan), hwOut = pixelsOut(plan), L = word(plan, LATENT), B = word(plan, BLOCKS);
  const lam = branchLambda(plan, N, shared);
  const zAll = shared + branchBytes(plan, N) + f32Block(N * L * hwOut); // z overwrote w (dynamicPart)
  const hasLambda = pointer(plan, FC_SCALE) != 0;
  const postBias = pointer(plan, POST_BIAS), residual = pointer(plan, RESIDUAL);
  const lo = load<f32>(plan + (<usize>LO << 2)), hi = load<f32>(plan + (<usize>HI << 2));
  const epilogue = postBias != 0 || residual != 0 || clampNeeded(lo, hi);
  const yStep = <usize>cout * hwOut << 2, zStep = <usize>L * hwOut << 2, plane = <usize>hwOut << 2;
  const cb = cout / max(B, 1), lb = L / max(B, 1);
  for (let i = 0; i < N; i++) {
    const yi = y + <usize>i * yStep;
    const res = residual != 0 ? residual + <usize>i * yStep : 0;
    if (hasLambda) {
      const rows = yi + <usize>o0 * plane;
      dcdScaleForward(1, o1 - o0, hwOut, lam + (<usize>(i * cout + o0) << 2), rows, rows);
    }
    if (L > 0) {
      // dcdProjectForward(Fused)'s gemm per block, on the block's rows inside o0 … o1 − 1
      const z = zAll + <usize>i * zStep;
      for (let blk = o0 / cb; blk * cb < o1; blk++) {
        const r = max(o0, blk * cb), n = min(o1, (blk + 1) * cb) - r;
        gemmDriver(n, hwOut, lb, pointer(plan, P) + (<usize>r * lb << 2), lb, 0, 0, B_DENSE, z + (<usize>blk * lb * hwOut << 2), hwOut,
          0, 0, yi + <usize>r * plane, hwOut, 1, postBias != 0 ? postBias + (<usize>r << 2) : 0, ws, 0, 0, 0, 0,
          res != 0 ? res + <usize>r * plane : 0, epilogue ? lo : -Infinity, epilogue ? hi : Infinity);
      }
    } else if (epilogue) {
      dcdOutputEpilogueSample(o1 - o0, hwOut, yi + <usize>o0 * plane, postBias != 0 ? postBias + (<usize>o0 << 2) : 0,
        res != 0 ? res + <usize>o0 * plane : 0, lo, hi);
    }
  }
}
