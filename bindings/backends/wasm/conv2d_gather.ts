/**
 * The wasm side of ops/conv2d_geometry.ts: runs a conv whose stride / padding / dilation would take
 * the kernels' 32-bit index arithmetic out of range on an exactly equivalent gathered input.
 */
import { gatherConv2dInput, scatterConv2dGrad, type GatheredConv2d } from '../../ops/conv2d_geometry';
import type { Conv2dParams } from '../../ops/conv2d_params';
import type { Scratch, WasmContext } from './context';

const planeElements = (p: Conv2dParams): number => p.n * p.c * p.h * p.w;

/** Scratch holding x gathered along the rewritten axes; returns its byte offset. */
export function gatherInput(ctx: WasmContext, scratch: Scratch, g: GatheredConv2d, p: Conv2dParams, xPtr: number): number {
  const ptr = scratch.alloc(planeElements(g.params) * 4);
  // Views only after the allocation: it may grow memory and detach older ones.
  const buffer = ctx.memory.buffer;
  gatherConv2dInput(g, p, new Float32Array(buffer, xPtr, planeElements(p)), new Float32Array(buffer, ptr, planeElements(g.params)));
  return ptr;
}

/** Scratch for the gradient of the gathered input (the kernels write it; scatterGrad reads it). */
export const gatheredGradBuffer = (scratch: Scratch, g: GatheredConv2d): number => scratch.alloc(planeElements(g.params) * 4);

/** dx = the gathered input's gradient at `srcPtr` scattered back (overwrites dx). */
export function scatterGrad(ctx: WasmContext, g: GatheredConv2d, p: Conv2dParams, srcPtr: number, dxPtr: number): void {
  const buffer = ctx.memory.buffer;
  scatterConv2dGrad(g, p, new Float32Array(buffer, srcPtr, planeElements(g.params)), new Float32Array(buffer, dxPtr, planeElements(p)));
}
