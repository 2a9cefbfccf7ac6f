// BatchNorm in training mode (batchnorm.ts), one part of `parts` for the thread pool: parts split the
// channels, which are independent (statistics, running stats, transform and gradients are all per
// channel), so the result is bit-identical to one thread. f32 arguments travel as their bit patterns
// (the pool's control block holds i32 only). `ws` is unused (the kernels need none).

import { partStart1 } from "../gemm/partition";
import { batchNormBackwardTrainChannels, batchNormForwardTrainChannels } from "./batchnorm";

export function batchNormForwardTrainPart(
  N: i32, C: i32, S: i32, x: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, momentumBits: i32, epsBits: i32,
  residual: usize, relu: i32, y: usize, saveMean: usize, saveInvStd: usize, ws: usize, part: i32, parts: i32,
): void {
  const c0 = partStart1(C, part, parts, 1), c1 = partStart1(C, part + 1, parts, 1);
  if (c0 < c1) {
    batchNormForwardTrainChannels(N, C, S, x, gamma, beta, runningMean, runningVar,
      reinterpret<f32>(momentumBits), reinterpret<f32>(epsBits), residual, relu, y, saveMean, saveInvStd, c0, c1);
  }
}

export function batchNormBackwardTrainPart(
  N: i32, C: i32, S: i32, x: usize, dy: usize, gamma: usize,
  saveMean: usize, saveInvStd: usize, dx: usize, dgamma: usize, dbeta: usize, ws: usize, part: i32, parts: i32,
): void {
  const c0 = partStart1(C, part, parts, 1), c1 = partStart1(C, part + 1, parts, 1);
  if (c0 < c1) batchNormBackwardTrainChannels(N, C, S, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta, c0, c1);
}
