/**
 * Prepared ops (XNNPACK's create / run split) as functions of their weight tensor, not Backend methods:
 * only code that prepares (an inference plan) bundles them. The backend is the weight's.
 */
import { DTypeError } from '../errors';
import { describe } from '../ops/checks';
import type { PrepareConv2dOptions, PreparedConv2d, Workspace } from '../ops/conv2d_prepared';
import { Tensor } from '../tensor';
import { jsContextOf } from '../reference/context';
import { prepareJsConv2d } from '../reference/conv2d_prepared';
import { wasmContextOf } from './wasm/context';
import { prepareWasmConv2d } from './wasm/conv2d_prepared';
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

/** Scratch for prepared ops that run one after another (PrepareConv2dOptions.workspace): the largest reservation, not the sum. */
export function createWorkspace(): Workspace {
  return new SharedWorkspace();
}
