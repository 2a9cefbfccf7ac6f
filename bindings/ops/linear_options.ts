/**
 * linear (y = x·Wᵀ + b) shape checks and options, shared by both backends.
 * x (N, IN), weight (OUT, IN), bias (OUT) — the layout of torch.nn.Linear.
 */
import { Tensor } from '../tensor';
import {
  backwardNeeds, expectFits, expectOptions, expectRank, expectShape, type BackwardNeedsOptions,
} from './checks';
import { ShapeError } from '../errors';

export interface LinearParams { n: number; in: number; out: number }

/** linear's third argument as an object: the bias and the caller's output tensor. */
export interface LinearOptions {
  /** Bias (OUT); default none. */
  bias?: Tensor | null;
  /** Write y into this tensor (same backend, shape (N, OUT), not overlapping x, weight or bias) and return it. */
  out?: Tensor | null;
}

/**
 * linear's third argument: a bias tensor (or null / undefined) as before, or { bias, out }. Anything
 * that is not a plain object stays "the bias", so a wrong value still gets the bias's DTypeError.
 */
export function parseLinearArgument(op: string, arg: unknown): { bias: unknown; out: unknown } {
  if (arg === undefined || arg === null) return { bias: null, out: null };
  if (typeof arg !== 'object' || arg instanceof Tensor || Array.isArray(arg)) return { bias: arg, out: null };
  const o = expectOptions<LinearOptions>(arg, op, ['bias', 'out']);
  return { bias: o.bias ?? null, out: o.out ?? null };
}

/** `bias`: true (or the bias tensor) when the forward pass had a bias, then db is computed by default;
 *  `needs`: which gradients to compute, default dx and dw (and db when `bias` is set). */
export type LinearBackwardOptions = BackwardNeedsOptions;

/** Gradients returned by linearBackward; a field is set only when it was requested. */
export interface LinearGrads {
  /** Gradient with respect to x, shape (N, IN). */
  dx?: Tensor;
  /** Gradient with respect to weight, shape (OUT, IN). */
  dw?: Tensor;
  /** Gradient with respect to bias, shape (OUT). */
  db?: Tensor;
}

/** Resolves x/weight shapes into (N, IN, OUT); ShapeError if they disagree. */
export function resolveLinear(op: string, xShape: readonly number[], wShape: readonly number[]): LinearParams {
  expectRank(xShape, op, 'x', ['N', 'IN']);
  expectRank(wShape, op, 'weight', ['OUT', 'IN']);
  if (wShape[1] !== xShape[1]) {
    throw new ShapeError(`${op}: weight has ${wShape[1]} input features but x has ${xShape[1]} ` +
      `(x [N, IN], weight [OUT, IN])`);
  }
  expectFits([xShape[0], wShape[0]], op, 'output');
  return { n: xShape[0], in: xShape[1], out: wShape[0] };
}

export function checkLinearBias(op: string, p: LinearParams, biasShape: readonly number[]): void {
  expectShape(biasShape, [p.out], op, 'bias', ' (OUT)');
}

export function checkLinearGradOutput(op: string, p: LinearParams, dyShape: readonly number[]): void {
  expectShape(dyShape, [p.n, p.out], op, 'dy', ' (N, OUT of the forward output)');
}

/** Parses linearBackward options into the gradients to compute (and the bias tensor to check, if any). */
export function linearNeeds(op: string, options: unknown): ReturnType<typeof backwardNeeds> {
  return backwardNeeds(op, expectOptions<LinearBackwardOptions>(options, op, ['bias', 'needs']));
}
