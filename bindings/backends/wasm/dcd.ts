/**
 * The DCD op group on the wasm kernels (interface: bindings/ops/dcd.ts), plus `dcdForwardUnfused`
 * (same arguments as dcdForward, returns y only): the unfused composition the benchmark compares to.
 */
import type { DcdDims, DcdForwardOptions, DcdOps, DcdState } from '../../ops/dcd';
import type { Tensor } from '../../tensor';
import type { WasmContext } from './context';
import { dcdBackwardWasm } from './dcd_backward';
import { dcdForwardWasm } from './dcd_forward';
import { dcdForwardUnfusedWasm } from './dcd_unfused';

export interface WasmDcdOps extends DcdOps {
  dcdForwardUnfused(dims: DcdDims, state: DcdState, x: Tensor, options: DcdForwardOptions): Tensor;
}

export function createDcdOps(ctx: WasmContext): WasmDcdOps {
  return {
    dcdForward: (dims, state, x, options) => dcdForwardWasm(ctx, dims, state, x, options),
    dcdBackward: (dims, state, cache, dy) => dcdBackwardWasm(ctx, dims, state, cache, dy),
    dcdForwardUnfused: (dims, state, x, options) => dcdForwardUnfusedWasm(ctx, dims, state, x, options),
  };
}
