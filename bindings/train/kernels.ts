/**
 * The training kernels — optimiser updates (OptimOps) and fused losses (LossOps) — of the backend a
 * tensor lives on. They are not methods of the Backend: every `init()` bundle carried them (6.7 KB
 * minified of an inference app's ~100 KB), so now only code that trains pulls them in. Found through
 * the tensor's backend token, built once per backend instance.
 */
import { DTypeError } from '../errors';
import type { LossOps } from '../ops/loss';
import type { OptimOps } from '../ops/optim';
import { describe } from '../ops/checks';
import { Tensor } from '../tensor';
import { wasmContextOf } from '../backends/wasm/context';
import { createOptimOps as wasmOptimOps } from '../backends/wasm/optim';
import { createLossOps as wasmLossOps } from '../backends/wasm/loss';
import { jsContextOf } from '../reference/context';
import { createOptimOps as jsOptimOps } from '../reference/optim_ops';
import { createLossOps as jsLossOps } from '../reference/loss_ops';

/** The training kernels of one backend: optimiser updates (OptimOps) and fused losses (LossOps). */
export type TrainingOps = OptimOps & LossOps;

const BUILT = new WeakMap<object, TrainingOps>();

/** OptimOps and LossOps of `t`'s backend (DTypeError if t is not a tensor; DisposedTensorError if disposed). */
export function trainingOps(t: unknown, op = 'trainingOps', arg = 'tensor'): TrainingOps {
  if (!Tensor.isTensor(t)) throw new DTypeError(`${op}: ${arg} must be a Tensor, got ${describe(t)}`);
  const token = t.storage.backend;
  let ops = BUILT.get(token);
  if (!ops) {
    const wasm = wasmContextOf(t);
    const js = wasm ? null : jsContextOf(t);
    if (wasm) ops = { ...wasmOptimOps(wasm), ...wasmLossOps(wasm) };
    else if (js) ops = { ...jsOptimOps(js), ...jsLossOps(js) };
    else throw new DTypeError(`${op}: ${arg} belongs to no backend this library made`);
    BUILT.set(token, ops);
  }
  return ops;
}
