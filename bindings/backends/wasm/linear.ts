/** linear / linearBackward on the wasm kernels (ABI: linearForward, linearBackward). */
import type { LinearOps } from '../../backend';
import type { Tensor } from '../../tensor';
import {
  checkLinearBias, checkLinearGradOutput, linearNeeds, parseLinearArgument, resolveLinear, type LinearGrads,
} from '../../ops/linear_options';
import { checkFusedOutput } from '../../ops/fused_output';
import type { WasmContext } from './context';
import { wasmExtent } from './conv2d';

export function createLinearOps(ctx: WasmContext): LinearOps {
  return {
    linear(xArg, wArg, biasOrOptions) {
      const op = 'linear';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const p = resolveLinear(op, x.tensor.shape, w.tensor.shape);
      const { bias: biasArg, out: outArg } = parseLinearArgument(op, biasOrOptions);
      let bias: Tensor | null = null;
      if (biasArg !== null) {
        bias = ctx.input(biasArg, op, 'bias').tensor;
        checkLinearBias(op, p, bias.shape);
      }
      const bPtr = bias ? ctx.ptrOf(bias) : 0;
      const out = outArg !== null ? ctx.input(outArg, op, 'out').tensor : null;
      checkFusedOutput(op, [p.n, p.out], wasmExtent(ctx), [['x', x.tensor], ['weight', w.tensor], ['bias', bias]], null, out);
      const workspaceBytes = ctx.kernel('linearWorkspaceBytes');
      const forward = ctx.kernel('linearForward');
      const [y] = ctx.run(op, [out ? null : [p.n, p.out]], ([newPtr], scratch) => {
        const ws = scratch.alloc((workspaceBytes(p.n, p.in, p.out) as number) >>> 0);
        forward(p.n, p.in, p.out, x.ptr, w.ptr, bPtr, out ? ctx.ptrOf(out) : newPtr, ws);
      });
      return out ?? (y as Tensor);
    },

    linearBackward(xArg, wArg, dyArg, options) {
      const op = 'linearBackward';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const dy = ctx.input(dyArg, op, 'dy');
      const p = resolveLinear(op, x.tensor.shape, w.tensor.shape);
      checkLinearGradOutput(op, p, dy.tensor.shape);
      const needs = linearNeeds(op, options);
      if (needs.biasTensor) checkLinearBias(op, p, ctx.input(needs.biasTensor, op, 'bias').tensor.shape);
      const workspaceBytes = ctx.kernel('linearWorkspaceBytes');
      const backward = ctx.kernel('linearBackward');
      const outputs = [needs.dx ? [p.n, p.in] : null, needs.dw ? [p.out, p.in] : null, needs.db ? [p.out] : null];
      const [dx, dw, db] = ctx.run(op, outputs, ([dxPtr, dwPtr, dbPtr], scratch) => {
        const ws = scratch.alloc((workspaceBytes(p.n, p.in, p.out) as number) >>> 0);
        backward(p.n, p.in, p.out, x.ptr, w.ptr, dy.ptr, dxPtr, dwPtr, dbPtr, ws);
      });
      const grads: LinearGrads = {};
      if (dx) grads.dx = dx;
      if (dw) grads.dw = dw;
      if (db) grads.db = db;
      return grads;
    },
  };
}
