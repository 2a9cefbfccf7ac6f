/** The DCD op group on the wasm kernels (interface: bindings/ops/dcd.ts). */
import type { DcdOps } from '../../ops/dcd';
import type { WasmContext } from './context';
import { dcdBackwardWasm } from './dcd_backward';
import { dcdForwardWasm } from './dcd_forward';

export function createDcdOps(ctx: WasmContext): DcdOps {
  return {
    dcdForward: (dims, state, x, options) => dcdForwardWasm(ctx, dims, state, x, options),
    dcdBackward: (dims, state, cache, dy) => dcdBackwardWasm(ctx, dims, state, cache, dy),
  };
}
