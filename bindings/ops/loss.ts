/**
 * LossOps: losses fused with their gradient (bindings/train/loss.ts builds the user API on them),
 * shared types and checks for both backends. Semantics of torch.nn.functional.cross_entropy and
 * mse_loss; the loss is returned as a number (summed in float64), the gradient as a new tensor.
 */
import type { Tensor } from '../tensor';
import { DTypeError, OptionError } from '../errors';
import { describe, expectOptions, expectRank, expectShape, fmtShape } from './checks';

/** How per-row / per-element losses are reduced to one number: their mean or their sum. */
export type LossReduction = 'mean' | 'sum';

/** Options of crossEntropyLoss (torch.nn.functional.cross_entropy). */
export interface CrossEntropyOptions {
  /** ε in [0, 1]: the target becomes (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
  /** 'mean' over the N rows (default) or 'sum'. */
  reduction?: LossReduction;
}

/** Options of mseLoss (torch.nn.functional.mse_loss). */
export interface MseOptions {
  /** 'mean' over every element (default) or 'sum'. */
  reduction?: LossReduction;
}

/** A loss fused with its gradient. */
export interface LossResult {
  /** The reduced loss. Non-finite when an input holds NaN or ±inf (the train/ API rejects that). */
  loss: number;
  /** dloss/dinput, the shape of the input. */
  grad: Tensor;
}

/** The loss op group: losses fused with their gradient, as torch.nn.functional's. */
export interface LossOps {
  /** Cross-entropy of logits (N, C) against class labels (Int32Array of N, each in [0, C)) or soft targets (N, C). */
  crossEntropyLoss(logits: Tensor, target: Int32Array | Tensor, options?: CrossEntropyOptions): LossResult;
  /** Mean-squared error of y against target (same shape). */
  mseLoss(y: Tensor, target: Tensor, options?: MseOptions): LossResult;
}

export function lossReduction(op: string, value: unknown): LossReduction {
  if (value === undefined) return 'mean';
  if (value !== 'mean' && value !== 'sum') {
    throw new OptionError(`${op}: reduction must be 'mean' or 'sum', got ${describe(value)}`);
  }
  return value;
}

export interface CrossEntropyPlan {
  n: number;
  c: number;
  smoothing: number;
  /** 1/N for 'mean', 1 for 'sum'. */
  gradScale: number;
  /** The class labels, when the target is not a tensor. */
  labels: Int32Array | null;
}

/**
 * Validates a cross-entropy call (logits shape, label type, range and count, soft target shape,
 * options) before anything is allocated. `softShape` is the soft-target tensor's shape, if any.
 */
export function planCrossEntropy(op: string, logitsShape: readonly number[], target: unknown,
  softShape: readonly number[] | null, options: unknown): CrossEntropyPlan {
  expectRank(logitsShape, op, 'logits', ['N', 'C']);
  const [n, c] = logitsShape;
  const o = expectOptions<CrossEntropyOptions>(options, op, ['labelSmoothing', 'reduction']);
  const smoothing = o.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new OptionError(`${op}: labelSmoothing must be a number in [0, 1], got ${describe(smoothing)}`);
  }
  const reduction = lossReduction(op, o.reduction);
  let labels: Int32Array | null = null;
  if (softShape) {
    expectShape(softShape, [n, c], op, 'target', ' (soft targets: the shape of logits)');
  } else {
    if (!(target instanceof Int32Array)) {
      throw new DTypeError(`${op}: target must be an Int32Array of class labels or a Tensor of soft targets, ` +
        `got ${describe(target)}`);
    }
    if (target.length !== n) {
      throw new OptionError(`${op}: target has ${target.length} labels but logits ${fmtShape(logitsShape)} has N = ${n} rows`);
    }
    const bad = target.findIndex((label) => label < 0 || label >= c);
    if (bad >= 0) {
      throw new OptionError(`${op}: target[${bad}] = ${target[bad]} is not a class index in [0, ${c - 1}] (C = ${c})`);
    }
    labels = target;
  }
  return { n, c, smoothing, gradScale: reduction === 'mean' ? 1 / n : 1, labels };
}

/** Validates an MSE call; returns the element count and the gradient scale (2/numel or 2). */
export function planMse(op: string, yShape: readonly number[], targetShape: readonly number[], options: unknown):
  { size: number; gradScale: number; divisor: number } {
  expectShape(targetShape, yShape, op, 'target', ' (the shape of y)');
  const o = expectOptions<MseOptions>(options, op, ['reduction']);
  const reduction = lossReduction(op, o.reduction);
  const size = yShape.reduce((a, b) => a * b, 1);
  const divisor = reduction === 'mean' ? size : 1;
  return { size, gradScale: 2 / divisor, divisor };
}
