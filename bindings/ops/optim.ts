/**
 * OptimOps: the in-place update kernels optimisers are built from (bindings/train/optim.ts), shared
 * types and checks for both backends. Each update is one pass over one tensor, in place, following
 * PyTorch 1.13's single-tensor (foreach=False) CPU code operation by operation. The scalars are
 * derived here once, in float64 as Python does, then rounded to float32 as ATen casts a Python
 * scalar, so every backend sees the same values.
 */
import type { Tensor } from '../tensor';
import { OptionError } from '../errors';
import { describe, expectShape, fmtShape } from './checks';

/** Hyper-parameters of one sgdStep (torch.optim.SGD's, finite numbers). */
export interface SgdStepOptions {
  /** Learning rate. */
  lr: number;
  /** 0 = plain SGD (then no momentum buffer is needed). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** True on the buffer's first update: it is set to the gradient instead of being decayed (as PyTorch). */
  firstStep?: boolean;
}

/** Hyper-parameters of one adamwStep (torch.optim.AdamW's, finite numbers). */
export interface AdamwStepOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first-moment average. */
  beta1: number;
  /** Decay rate of the second-moment average. */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Decoupled weight decay: param ← param·(1 − lr·weightDecay) before the Adam step. */
  weightDecay: number;
  /** The step number after this update (1 on the first step), for the bias corrections. */
  step: number;
}

/** The optimiser op group: in-place parameter updates and the reductions gradient clipping needs. */
export interface OptimOps {
  /**
   * One torch.optim.SGD update of `param` in place, given its gradient. `momentumBuffer` (same shape)
   * is read and written in place; it must be given when momentum ≠ 0 and null otherwise.
   */
  sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, options: SgdStepOptions): void;
  /**
   * One torch.optim.AdamW update of `param` in place; expAvg / expAvgSq (and maxExpAvgSq for amsgrad,
   * else null) are the optimiser state, updated in place. All tensors have param's shape.
   */
  adamwStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null,
    options: AdamwStepOptions): void;
  /** Σ x², accumulated in float64; non-finite when any element is NaN or ±inf. */
  sumSquares(x: Tensor): number;
  /** x ← x · factor in place (factor rounded to float32). */
  scaleInPlace(x: Tensor, factor: number): void;
}

/** A finite number (OptionError otherwise). */
export function expectFinite(value: unknown, op: string, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OptionError(`${op}: ${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** Every state tensor must have the parameter's shape. */
export function expectSameShape(param: Tensor, other: Tensor, op: string, arg: string): void {
  expectShape(other.shape, param.shape, op, arg, ` (the shape of param ${fmtShape(param.shape)})`);
}

/** The float32 scalars of sgdStep, in the kernel's argument order. */
export interface SgdScalars {
  negLr: number; momentum: number; oneMinusDampening: number; weightDecay: number;
  nesterov: boolean; firstStep: boolean;
}

export function sgdScalars(op: string, options: SgdStepOptions, hasBuffer: boolean): SgdScalars {
  if (options === null || typeof options !== 'object') {
    throw new OptionError(`${op}: options must be an object, got ${describe(options)}`);
  }
  const lr = expectFinite(options.lr, op, 'lr');
  const momentum = expectFinite(options.momentum ?? 0, op, 'momentum');
  const dampening = expectFinite(options.dampening ?? 0, op, 'dampening');
  const weightDecay = expectFinite(options.weightDecay ?? 0, op, 'weightDecay');
  if ((momentum !== 0) !== hasBuffer) {
    throw new OptionError(`${op}: momentumBuffer must be ${momentum !== 0 ? 'a Tensor' : 'null'} when momentum is ${momentum}`);
  }
  return {
    negLr: Math.fround(-lr), momentum: Math.fround(momentum), oneMinusDampening: Math.fround(1 - dampening),
    weightDecay: Math.fround(weightDecay), nesterov: options.nesterov === true, firstStep: options.firstStep === true,
  };
}

/** The float32 scalars of adamwStep (bias corrections in float64 first, as _single_tensor_adamw). */
export interface AdamwScalars {
  decayFactor: number; beta1: number; oneMinusBeta1: number; beta2: number; oneMinusBeta2: number;
  negStepSize: number; bc2Sqrt: number; eps: number;
}

export function adamwScalars(op: string, options: AdamwStepOptions): AdamwScalars {
  if (options === null || typeof options !== 'object') {
    throw new OptionError(`${op}: options must be an object, got ${describe(options)}`);
  }
  const lr = expectFinite(options.lr, op, 'lr');
  const beta1 = expectFinite(options.beta1, op, 'beta1');
  const beta2 = expectFinite(options.beta2, op, 'beta2');
  const eps = expectFinite(options.eps, op, 'eps');
  const weightDecay = expectFinite(options.weightDecay, op, 'weightDecay');
  const step = options.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) {
    throw new OptionError(`${op}: step must be an integer >= 1, got ${describe(step)}`);
  }
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  return {
    decayFactor: Math.fround(1 - lr * weightDecay),
    beta1: Math.fround(beta1), oneMinusBeta1: Math.fround(1 - beta1),
    beta2: Math.fround(beta2), oneMinusBeta2: Math.fround(1 - beta2),
    negStepSize: Math.fround(-(lr / biasCorrection1)), bc2Sqrt: Math.fround(Math.sqrt(biasCorrection2)),
    eps: Math.fround(eps),
  };
}
