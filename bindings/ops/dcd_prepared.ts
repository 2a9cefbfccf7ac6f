/**
 * prepareDcdForward (issue 11): the create / run split of prepareConv2d for an inference-mode DCD
 * layer. Everything is validated, the state is copied and every block is allocated when the layer is
 * prepared; run() only reads the tensors' pointers and calls the kernels (no validation, no allocation
 * on the wasm backends) — what an inference plan's per-image path needs. The layer's dynamic parts
 * (pooled descriptor, branch, Φ, λ) still run per sample, as they must. Types and the shared validation
 * live here; each backend builds its own PreparedDcd.
 */
import { OptionError, ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, expectBool, expectOptions, expectTensor, fmtShape } from './checks';
import type { Workspace } from './conv2d_prepared';
import { checkDcdDims, checkDcdInputShape, checkDcdEvalStrategy, dcdOpName, type DcdDims, type DcdEvalStrategy, type DcdState } from './dcd';
import { activationBounds, type FusedActivation } from './fused_output';

/** Options of prepareDcdForward: dcdForward's inference options, `residual` saying whether run() takes one. */
export interface PrepareDcdOptions {
  /** Per-channel bias (Cout) added after the layer's value, copied when prepared (see DcdForwardOptions.postBias). */
  postBias?: Tensor | null;
  /** Applied to the final value; default none. */
  activation?: FusedActivation | null;
  /** true: run(x, out, residual) adds a residual of the output's shape before the activation. Default false. */
  residual?: boolean;
  /** As DcdForwardOptions.evalStrategy; default 'auto'. */
  evalStrategy?: DcdEvalStrategy;
  /** Scratch shared with other prepared ops that never run at the same time (createWorkspace()). Default: its own. */
  workspace?: Workspace | null;
}

/** A DCD layer's inference forward for a fixed input shape, with its state and fused output fixed. */
export interface PreparedDcd {
  /** The x shape it was prepared for: run() takes exactly this. */
  readonly inputShape: readonly number[];
  /** The output shape: run()'s `out` (and residual) have exactly this. */
  readonly outputShape: readonly number[];
  /** Bytes of linear memory it holds (the state's copy, its i32 blocks, its own workspace); 0 on the JS backend. */
  readonly bytes: number;
  /**
   * out = act(layer(x) + postBias (+ residual)). No validation, no allocation on the wasm backends: x of
   * inputShape, out and residual of outputShape, all tensors of this backend, out overlapping neither x
   * nor the residual. A disposed prepared op or tensor throws DisposedTensorError.
   */
  run(x: Tensor, out: Tensor, residual?: Tensor | null): void;
  /** Frees what prepareDcdForward allocated (idempotent). The state tensors are not touched. */
  dispose(): void;
}

export const PREPARE_DCD_OPTION_KEYS = ['postBias', 'activation', 'residual', 'evalStrategy', 'workspace'] as const;

/** What prepareDcdForward fixes, once validated. */
export interface PreparedDcdSpec {
  op: string;
  inputShape: number[];
  outputShape: number[];
  postBias: Tensor | null;
  lo: number;
  hi: number;
  residual: boolean;
  strategy: DcdEvalStrategy;
  workspace: unknown;
}

export function resolvePrepareDcd(dims: unknown, state: DcdState, xShape: unknown, options: unknown,
  backend: object): PreparedDcdSpec {
  checkDcdDims(dims);
  const d: DcdDims = dims;
  const op = `prepareDcdForward(${dcdOpName(d)})`;
  if (!Array.isArray(xShape) || xShape.some((n) => typeof n !== 'number' || !Number.isInteger(n))) {
    throw new ShapeError(`${op}: xShape must be an array of integers, got ${describe(xShape)}`);
  }
  const o = expectOptions<PrepareDcdOptions>(options, op, PREPARE_DCD_OPTION_KEYS);
  if (o.residual !== undefined && typeof o.residual !== 'boolean') {
    throw new OptionError(`${op}: residual must be a boolean (whether run() takes a residual tensor), got ${describe(o.residual)}`);
  }
  const residual = expectBool(o.residual, op, 'residual', false);
  const [lo, hi] = activationBounds(op, o.activation);
  const strategy = checkDcdEvalStrategy(op, o.evalStrategy);
  const outputShape = checkDcdInputShape(d, state, xShape as number[], { training: false, needsBackward: false }, backend);
  const postBias = o.postBias === undefined || o.postBias === null ? null : expectTensor(o.postBias, op, 'postBias', backend);
  if (postBias && (postBias.shape.length !== 1 || postBias.shape[0] !== d.cout)) {
    throw new ShapeError(`${op}: postBias must have shape [${d.cout}] (Cout), got ${fmtShape(postBias.shape)}`);
  }
  return { op, inputShape: [...(xShape as number[])], outputShape, postBias, lo, hi, residual, strategy, workspace: o.workspace };
}
