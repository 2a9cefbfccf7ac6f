/**
 * The js backend: the pure-TypeScript reference of every op, with the same interface, validation
 * and errors as the wasm backend. It is the test oracle of last resort, the fallback when
 * WebAssembly is unavailable, and the JS side of the benchmarks.
 * To add an op group: write `<group>_ops.ts` exporting `create<Group>Ops(ctx: JsContext)` and add one
 * spread line below. The raw kernels (conv2d.ts, linear.ts, gemm.ts) are exported for other kernels.
 */
import type { Backend } from '../backend';
import { NO_GUARDS, type RuntimeGuards } from '../runtime/debug';
import { createConv2dOps } from './conv2d_ops';
import { JsContext } from './context';
import { createCoreOps } from './core_ops';
import { createDcdOps } from './dcd/ops';
import { createDynamicConv2dOps } from './dynamic_conv2d_ops';
import { createLinearOps } from './linear_ops';
import { createNnOps } from './nn_ops';

export { JsContext } from './context';
export { conv2dBackwardData, conv2dBackwardWeight, conv2dForward } from './conv2d';
export { linearBackward, linearForward } from './linear';
export { mat, sgemm, type Matrix } from './gemm';

/** `guards`: only debug.leaks applies (js memory is the JS heap: no cap, poison or fault injection). */
export function createJsBackend(guards: RuntimeGuards = NO_GUARDS): Backend {
  const ctx = new JsContext(guards.onLeak);
  return {
    ...createCoreOps(ctx),
    ...createConv2dOps(ctx),
    ...createLinearOps(ctx),
    ...createDynamicConv2dOps(ctx),
    ...createDcdOps(ctx),
    ...createNnOps(ctx),
  };
}
