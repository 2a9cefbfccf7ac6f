/**
 * Losses for training: the value as a number and dL/dinput as a tensor, in one fused backend call
 * (LossOps). torch.nn.functional.cross_entropy / mse_loss semantics; a NaN or infinite loss is a
 * NonFiniteError (diverged training should stop loudly, not print `loss NaN`).
 *
 *   const { loss, grad } = crossEntropy(m, logits, labels, { labelSmoothing: 0.1 });
 *   model.backward(grad); grad.dispose();
 */
import type { CoreOps } from '../backend';
import { NonFiniteError } from '../errors';
import type { CrossEntropyOptions, LossResult, MseOptions } from '../ops/loss';
import type { Tensor } from '../tensor';
import { trainingOps } from './kernels';

export type { CrossEntropyOptions, LossResult, MseOptions, LossReduction } from '../ops/loss';
/** What the losses need of a backend: tensor creation (the loss kernels come with the tensors: kernels.ts). */
export type LossBackend = CoreOps;

function finite(op: string, result: LossResult): LossResult {
  if (!Number.isFinite(result.loss)) {
    result.grad.dispose();
    throw new NonFiniteError(`${op}: the loss is ${result.loss} (the input holds NaN or infinity, or training diverged)`);
  }
  return result;
}

/**
 * Cross-entropy of logits (N, C) against class labels (Int32Array of N in [0, C)) or soft targets
 * (N, C) — e.g. mixup's blended one-hots — with optional label smoothing; reduction 'mean' (default)
 * or 'sum'. grad = dloss/dlogits.
 */
export function crossEntropy(m: LossBackend, logits: Tensor, target: Int32Array | Tensor,
  options?: CrossEntropyOptions): LossResult {
  return finite('crossEntropy', trainingOps(logits, 'crossEntropy', 'logits').crossEntropyLoss(logits, target, options));
}

/** Mean-squared error (or its sum) of y against target; grad = dloss/dy. */
export function mse(m: LossBackend, y: Tensor, target: Tensor, options?: MseOptions): LossResult {
  return finite('mse', trainingOps(y, 'mse', 'y').mseLoss(y, target, options));
}
