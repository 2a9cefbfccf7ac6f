/**
 * prepareConv2d (issue 11): XNNPACK's create / run split for conv2d. Everything is validated and
 * every block is allocated when the conv is prepared; `run` only reads the tensors' pointers and
 * calls the kernel (no validation, no allocation), which is what an inference plan's per-image path
 * needs. Types and the shared validation live here; each backend builds its own PreparedConv2d.
 */
import { OptionError, ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, expectBool, expectOptions } from './checks';
import { conv2dOutputShape, resolveConv2d, type Conv2dGeometry } from './conv2d_options';
import type { Conv2dParams } from './conv2d_params';
import { activationBounds, type FusedActivation } from './fused_output';

/** Options of prepareConv2d: conv2d's, except that `residual` only says whether run() takes one. */
export interface PrepareConv2dOptions extends Conv2dGeometry {
  /** Bias (Cout), copied when the conv is prepared; default none. */
  bias?: Tensor | null;
  /** Applied to the final value, as conv2d's `activation`; default none. */
  activation?: FusedActivation | null;
  /** true: run(x, out, residual) adds a residual of the output's shape before the activation. Default false. */
  residual?: boolean;
  /**
   * Scratch shared with other prepared ops that never run at the same time (`m.createWorkspace()`):
   * this conv reserves what it needs there instead of holding its own. Default: its own.
   */
  workspace?: Workspace | null;
}

/**
 * Scratch memory shared by prepared ops that run one after another (an inference plan's steps):
 * as large as the largest reservation. Made by `m.createWorkspace()`; dispose() it after the ops.
 */
export interface Workspace {
  /** Bytes reserved (the largest reservation so far; 0 on the JS backend). */
  readonly bytes: number;
  /** Frees the block; prepared ops that use it must not run afterwards. Disposing twice is harmless. */
  dispose(): void;
}

/** A conv2d with fixed input shape, weights, bias and activation: run() is a kernel call. */
export interface PreparedConv2d {
  /** The x shape it was prepared for (N, C, H, W): run() takes exactly this. */
  readonly inputShape: readonly number[];
  /** The output shape (N, Cout, OH, OW): run()'s `out` (and residual) have exactly this. */
  readonly outputShape: readonly number[];
  /** Bytes of linear memory this prepared op holds (packed weights, descriptor, workspace); 0 on the JS backend. */
  readonly bytes: number;
  /**
   * out = act(conv(x) + bias (+ residual)). No validation, no allocation: x of inputShape, out of
   * outputShape, residual (when prepared with residual: true) of outputShape — or out itself (in
   * place) — all tensors of this backend, out not overlapping x. A disposed prepared op or tensor
   * throws DisposedTensorError.
   */
  run(x: Tensor, out: Tensor, residual?: Tensor | null): void;
  /** Frees what prepareConv2d allocated (idempotent). The weight and bias tensors are not touched. */
  dispose(): void;
}

export const PREPARE_CONV2D_OPTION_KEYS = ['bias', 'stride', 'padding', 'dilation', 'groups', 'activation', 'residual', 'workspace'] as const;

/** What prepareConv2d fixes, once validated. */
export interface PreparedConv2dSpec {
  params: Conv2dParams;
  inputShape: number[];
  outputShape: number[];
  lo: number;
  hi: number;
  residual: boolean;
}

/** Validates xShape, the weight's shape and the options (not the bias tensor: the backend's input() does that). */
export function resolvePrepareConv2d(op: string, xShape: unknown, wShape: readonly number[], options: unknown): PreparedConv2dSpec {
  if (!Array.isArray(xShape) || xShape.some((d) => typeof d !== 'number' || !Number.isInteger(d))) {
    throw new ShapeError(`${op}: xShape must be an array of integers (N, C, H, W), got ${describe(xShape)}`);
  }
  const o = expectOptions<PrepareConv2dOptions>(options, op, PREPARE_CONV2D_OPTION_KEYS);
  if (o.residual !== undefined && typeof o.residual !== 'boolean') {
    throw new OptionError(`${op}: residual must be a boolean (whether run() takes a residual tensor), got ${describe(o.residual)}`);
  }
  const residual = expectBool(o.residual, op, 'residual', false);
  const [lo, hi] = activationBounds(op, o.activation);
  const params = resolveConv2d(op, xShape as number[], wShape,
    { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups });
  return { params, inputShape: [...(xShape as number[])], outputShape: conv2dOutputShape(params), lo, hi, residual };
}
