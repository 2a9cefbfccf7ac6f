/**
 * The wasm backend: one object assembled from one factory per op group, each given the shared
 * WasmContext (kernel exports, allocator, tensor ownership). To add an op group: write
 * `<group>.ts` exporting `create<Group>Ops(ctx: WasmContext)` and add one spread line below
 * (and its interface to `Backend` in bindings/backend.ts).
 */
import type { Backend } from '../../backend';
import { NO_GUARDS, type RuntimeGuards } from '../../runtime/debug';
import { TensorTracker } from '../../runtime/tracker';
import { Allocator } from './allocator';
import { WasmContext } from './context';
import { createConv2dOps } from './conv2d';
import { createCoreOps, type WasmBackendMeta } from './core';
import { createDynamicConv2dOps } from './dynamic_conv2d';
import { createDcdOps } from './dcd';
import type { KernelExports } from './exports';
import { createLinearOps } from './linear';
import { createNnOps } from './nn';

export type { WasmBackendMeta } from './core';
export { WasmContext } from './context';

export function createWasmBackend(exports: KernelExports, meta: WasmBackendMeta, guards: RuntimeGuards = NO_GUARDS): Backend {
  const allocator = new Allocator(exports.memory, exports.heapBase() >>> 0, guards);
  const ctx = new WasmContext(exports, allocator, new TensorTracker(guards.onLeak));
  return {
    ...createCoreOps(ctx, meta),
    ...createConv2dOps(ctx),
    ...createLinearOps(ctx),
    ...createDynamicConv2dOps(ctx),
    ...createDcdOps(ctx),
    ...createNnOps(ctx),
  };
}
