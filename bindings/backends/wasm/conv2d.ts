/** conv2d / conv2dBackward on the wasm kernels (ABI: conv2dForward, conv2dBackwardData, conv2dBackwardWeight;
 * depthwise backward: depthwiseConv2dBackward; a residual / activation: conv2dForwardFused). */
import type { Conv2dOps } from '../../backend';
import type { Tensor } from '../../tensor';
import type { Conv2dParams } from '../../ops/conv2d_params';
import { CONV2D_PARAM_FIELDS } from '../../ops/conv2d_params';
import {
  CONV2D_BACKWARD_OPTION_KEYS, checkConv2dBias, checkConv2dGradOutput, conv2dInputShape, conv2dNeeds,
  conv2dOutputShape, conv2dWeightShape, resolveConv2d, type Conv2dBackwardOptions, type Conv2dGrads,
} from '../../ops/conv2d_options';
import { planConv2dGather } from '../../ops/conv2d_geometry';
import { activationBounds, checkFusedOutput, clampsOutput, type ElementExtent } from '../../ops/fused_output';
import type { WasmContext } from './context';
import { gatherInput, gatheredGradBuffer, scatterGrad } from './conv2d_gather';
import { PASS_BACKWARD_DATA, PASS_BACKWARD_WEIGHT, PASS_FORWARD } from './exports';

/** The 16 i32 of the kernel descriptor, in ABI order. */
export const conv2dDescriptor = (p: Conv2dParams): number[] => CONV2D_PARAM_FIELDS.map((f) => p[f]);

/** A wasm tensor's elements: bytes [ptr, ptr + 4·size) of this backend's memory. */
export const wasmExtent = (ctx: WasmContext) => (t: Tensor): ElementExtent => {
  const ptr = ctx.ptrOf(t);
  return [ctx, ptr, ptr + 4 * t.size];
};

export function createConv2dOps(ctx: WasmContext): Conv2dOps {
  return {
    conv2d(xArg, wArg, options) {
      const op = 'conv2d';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const p = resolveConv2d(op, x.tensor.shape, w.tensor.shape, options);
      const biasArg = options?.bias;
      let bias: Tensor | null = null;
      if (biasArg !== undefined && biasArg !== null) {
        bias = ctx.input(biasArg, op, 'bias').tensor;
        checkConv2dBias(op, p, bias.shape);
      }
      const bPtr = bias ? ctx.ptrOf(bias) : 0;
      const [lo, hi] = activationBounds(op, options?.activation);
      const residual = options?.residual != null ? ctx.input(options.residual, op, 'residual').tensor : null;
      const out = options?.out != null ? ctx.input(options.out, op, 'out').tensor : null;
      const outputShape = conv2dOutputShape(p);
      checkFusedOutput(op, outputShape, wasmExtent(ctx),
        [['x', x.tensor], ['weight', w.tensor], ['bias', bias]], residual, out);
      const gathered = planConv2dGather(op, p);
      // conv2dForwardFused only when there is something to fuse: plain conv2d keeps its kernel
      const fused = residual !== null || clampsOutput(lo, hi);
      const workspaceBytes = fused ? ctx.kernel('conv2dForwardFusedWorkspaceBytes') : ctx.kernel('conv2dWorkspaceBytes');
      const forward = fused ? ctx.kernel('conv2dForwardFused') : ctx.kernel('conv2dForward');
      const resPtr = residual ? ctx.ptrOf(residual) : 0;
      const [y] = ctx.run(op, [out ? null : outputShape], ([newPtr], scratch) => {
        const yPtr = out ? ctx.ptrOf(out) : newPtr;
        // Extreme stride/padding/dilation: the same conv on a gathered input (ops/conv2d_geometry.ts).
        const xPtr = gathered ? gatherInput(ctx, scratch, gathered, p, x.ptr) : x.ptr;
        const desc = scratch.i32(conv2dDescriptor(gathered ? gathered.params : p));
        if (fused) {
          const ws = scratch.alloc((workspaceBytes(desc) as number) >>> 0);
          forward(desc, xPtr, w.ptr, bPtr, resPtr, yPtr, ws, lo, hi);
        } else {
          const ws = scratch.alloc((workspaceBytes(desc, PASS_FORWARD) as number) >>> 0);
          forward(desc, xPtr, w.ptr, bPtr, yPtr, ws);
        }
      });
      return out ?? (y as Tensor);
    },

    conv2dBackward(xArg, wArg, dyArg, options) {
      const op = 'conv2dBackward';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolveConv2d(op, x.tensor.shape, w.tensor.shape, options, CONV2D_BACKWARD_OPTION_KEYS);
      checkConv2dGradOutput(op, p, dy.tensor.shape);
      const needs = conv2dNeeds(op, options as Conv2dBackwardOptions | undefined);
      if (needs.biasTensor) checkConv2dBias(op, p, ctx.input(needs.biasTensor, op, 'bias').tensor.shape);
      const gathered = planConv2dGather(op, p);
      const kernelParams = gathered ? gathered.params : p;
      const workspaceBytes = ctx.kernel('conv2dWorkspaceBytes');
      const outputs = [
        needs.dx ? conv2dInputShape(p) : null,
        needs.dw ? conv2dWeightShape(p) : null,
        needs.db ? [p.k] : null,
      ];
      if (p.groups === p.c && p.groups > 1) {
        // Depthwise: dx, dW and db in one pass over dy (depthwiseConv2dBackward; the two-kernel
        // path below read all of dy twice).
        const backward = ctx.kernel('depthwiseConv2dBackward');
        const [dx, dw, db] = ctx.run(op, outputs, ([dxPtr, dwPtr, dbPtr], scratch) => {
          const xPtr = gathered ? gatherInput(ctx, scratch, gathered, p, x.ptr) : x.ptr;
          const dxTarget = gathered && dxPtr ? gatheredGradBuffer(scratch, gathered) : dxPtr;
          const desc = scratch.i32(conv2dDescriptor(kernelParams));
          const ws = scratch.alloc((workspaceBytes(desc, PASS_BACKWARD_DATA) as number) >>> 0);
          backward(desc, xPtr, dy.ptr, w.ptr, dxTarget, dwPtr, dbPtr, ws);
          if (gathered && dxPtr) scatterGrad(ctx, gathered, p, dxTarget, dxPtr);
        });
        return grads(dx, dw, db);
      }
      const backwardData = needs.dx ? ctx.kernel('conv2dBackwardData') : null;
      const backwardWeight = needs.dw || needs.db ? ctx.kernel('conv2dBackwardWeight') : null;
      const [dx, dw, db] = ctx.run(op, outputs, ([dxPtr, dwPtr, dbPtr], scratch) => {
        const desc = scratch.i32(conv2dDescriptor(kernelParams));
        if (backwardData) {
          const dxTarget = gathered ? gatheredGradBuffer(scratch, gathered) : dxPtr;
          const ws = scratch.alloc((workspaceBytes(desc, PASS_BACKWARD_DATA) as number) >>> 0);
          backwardData(desc, dy.ptr, w.ptr, dxTarget, 0, ws);
          if (gathered) scatterGrad(ctx, gathered, p, dxTarget, dxPtr);
        }
        if (backwardWeight) {
          // The kernel always writes dw; when only db is wanted, dw goes to scratch.
          const dwTarget = dwPtr || scratch.alloc(w.tensor.size * 4);
          const xPtr = gathered ? gatherInput(ctx, scratch, gathered, p, x.ptr) : x.ptr;
          const ws = scratch.alloc((workspaceBytes(desc, PASS_BACKWARD_WEIGHT) as number) >>> 0);
          backwardWeight(desc, xPtr, dy.ptr, dwTarget, dbPtr, ws);
        }
      });
      return grads(dx, dw, db);
    },
  };
}

function grads(dx: Tensor | null, dw: Tensor | null, db: Tensor | null): Conv2dGrads {
  const g: Conv2dGrads = {};
  if (dx) g.dx = dx;
  if (dw) g.dw = dw;
  if (db) g.db = db;
  return g;
}
