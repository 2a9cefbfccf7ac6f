/**
 * Prepared ops (XNNPACK's create / run split) as functions of their weight tensor, not Backend methods:
 * only code that prepares (an inference plan) bundles them. The backend is the weight's.
 */
import { DTypeError } from '../errors';
import { describe } from '../ops/checks';
import type { PrepareConv2dOptions, PreparedConv2d, Workspace } from '../ops/conv2d_prepared';
import type { DcdDims, DcdState } from '../ops/dcd';
import type { PrepareDcdOptions, PreparedDcd } from '../ops/dcd_prepared';
import { Tensor } from '../tensor';
import { jsContextOf } from '../reference/context';
import { prepareJsConv2d } from '../reference/conv2d_prepared';
import { wasmContextOf } from './wasm/context';
import { prepareWasmConv2d } from './wasm/conv2d_prepared';
import { prepareWasmDcd } from './wasm/dcd_prepared';
import { prepareJsDcd } from '../reference/dcd/prepared';
import { SharedWorkspace } from './workspace';

/**
 * A conv2d for inputs of shape xShape with this weight, bias and activation fixed, on the weight's
 * backend: validated and allocated now; its run(x, out, residual) is one kernel call.
 */
export function prepareConv2d(xShape: readonly number[], weight: Tensor, options?: PrepareConv2dOptions): PreparedConv2d {
  if (!Tensor.isTensor(weight)) throw new DTypeError(`prepareConv2d: weight must be a Tensor, got ${describe(weight)}`);
  const wasm = wasmContextOf(weight);
  if (wasm) return prepareWasmConv2d(wasm, xShape, weight, options);
  const js = jsContextOf(weight);
  if (js) return prepareJsConv2d(js, xShape, weight, options);
  throw new DTypeError('prepareConv2d: weight belongs to no backend this library made');
}

/**
 * A DCD layer's inference forward (eval mode) for inputs of shape xShape, with its state (copied now)
 * and fused output (postBias, activation, whether a residual comes) fixed, on the state's backend:
 * validated and allocated now; its run(x, out, residual) neither validates nor allocates (wasm).
 * `dims` and `state` are a DCD layer's (`layer.dims`, `Object.fromEntries(layer.namedState())`).
 */
export function prepareDcdForward(dims: DcdDims, state: DcdState, xShape: readonly number[],
  options?: PrepareDcdOptions): PreparedDcd {
  const first = state !== null && typeof state === 'object' ? Object.values(state)[0] : undefined;
  if (!Tensor.isTensor(first)) {
    throw new DTypeError(`prepareDcdForward: state must be a record of the layer's Tensors, got ${describe(state)}`);
  }
  const wasm = wasmContextOf(first);
  if (wasm) return prepareWasmDcd(wasm, dims, state, xShape, options);
  const js = jsContextOf(first);
  if (js) return prepareJsDcd(js, dims, state, xShape, options);
  throw new DTypeError('prepareDcdForward: the state belongs to no backend this library made');
}

/** Scratch for prepared ops that run one after another (PrepareConv2dOptions.workspace): the largest reservation, not the sum. */
export function createWorkspace(): Workspace {
  return new SharedWorkspace();
}
