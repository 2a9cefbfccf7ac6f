// DCD's per-sample pieces of the training step, one part of `parts` for the thread pool: parts split
// the SAMPLES and run the whole-op kernel on their sub-batch (every piece below is per sample, so the
// result is bit-identical to one thread). The exception is dcdProjectBackward's dP = Σ_n dy[n]·z[n]ᵀ,
// which sums over the batch: parts split its latent columns instead (ranges of 8, as linear_part.ts
// splits dW: each element keeps its summation order, so it is bit-identical too).
// `ws` is the thread's own: PART_SCRATCH bytes (unused), then the whole op's workspace.

import { PART_SCRATCH, partStart1 } from "../gemm/partition";
import { gemm } from "./gemm";
import { dcdPhiBackward, dcdPhiForward } from "./phi";
import { dcdProjectBackward, dcdProjectForward } from "./project";
import { dcdScaleBackward, dcdScaleForward } from "./scale";

// @ts-ignore: decorator
@inline function sampleAt(base: usize, n: i32, floatsPerSample: i32): usize {
  return base ? base + (<usize>n * floatsPerSample << 2) : 0;
}

export function dcdProjectForwardPart(
  N: i32, Cout: i32, L: i32, B: i32, HW: i32, P: usize, z: usize, y: usize, accumulate: i32,
  ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 < n1) {
    dcdProjectForward(n1 - n0, Cout, L, B, HW, P, sampleAt(z, n0, L * HW), sampleAt(y, n0, Cout * HW), accumulate, ws + PART_SCRATCH);
  }
}

/** dz of this part's samples; dP's columns [l0, l1) of every block, summed over all samples in order. */
export function dcdProjectBackwardPart(
  N: i32, Cout: i32, L: i32, B: i32, HW: i32, P: usize, z: usize, dy: usize, dz: usize, dP: usize,
  ws: usize, part: i32, parts: i32,
): void {
  ws += PART_SCRATCH;
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (dz && n0 < n1) {
    dcdProjectBackward(n1 - n0, Cout, L, B, HW, P, sampleAt(z, n0, L * HW), sampleAt(dy, n0, Cout * HW), sampleAt(dz, n0, L * HW), 0, ws);
  }
  if (!dP) return;
  const cb = Cout / B, lb = L / B;
  const l0 = partStart1(lb, part, parts, 8), l1 = partStart1(lb, part + 1, parts, 8);
  if (l0 >= l1) return;
  // as dcdProjectBackward: dP_b (+)= dy_b[n]·z_b[n]ᵀ, sample by sample, restricted to columns [l0, l1)
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const zb = z + ((<usize>n * L + b * lb + l0) * HW << 2);
      const dyb = dy + ((<usize>n * Cout + b * cb) * HW << 2);
      gemm(0, 1, cb, l1 - l0, HW, dyb, HW, zb, HW, dP + ((<usize>b * cb * lb + l0) << 2), lb, n > 0 ? 1 : 0, ws);
    }
  }
}

export function dcdPhiForwardPart(
  N: i32, B: i32, lb: i32, HW: i32, phi: usize, z: usize, w: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  const L = B * lb;
  if (n0 < n1) dcdPhiForward(n1 - n0, B, lb, HW, sampleAt(phi, n0, B * lb * lb), sampleAt(z, n0, L * HW), sampleAt(w, n0, L * HW));
}

export function dcdPhiBackwardPart(
  N: i32, B: i32, lb: i32, HW: i32, phi: usize, z: usize, dw: usize, dz: usize, dphi: usize,
  ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  const L = B * lb, blocks = B * lb * lb;
  if (n0 < n1) {
    dcdPhiBackward(n1 - n0, B, lb, HW, sampleAt(phi, n0, blocks), sampleAt(z, n0, L * HW), sampleAt(dw, n0, L * HW),
      sampleAt(dz, n0, L * HW), sampleAt(dphi, n0, blocks));
  }
}

export function dcdScaleForwardPart(
  N: i32, C: i32, HW: i32, lam: usize, c: usize, y: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 < n1) dcdScaleForward(n1 - n0, C, HW, sampleAt(lam, n0, C), sampleAt(c, n0, C * HW), sampleAt(y, n0, C * HW));
}

export function dcdScaleBackwardPart(
  N: i32, C: i32, HW: i32, lam: usize, c: usize, dy: usize, dlam: usize, dc: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 < n1) {
    dcdScaleBackward(n1 - n0, C, HW, sampleAt(lam, n0, C), sampleAt(c, n0, C * HW), sampleAt(dy, n0, C * HW),
      sampleAt(dlam, n0, C), sampleAt(dc, n0, C * HW));
  }
}
