/** linear / linearBackward on the wasm kernels (ABI: linearForward, linearBackward). */
import type { LinearOps } from '../../backend';
import type { Tensor } from '../../tensor';
import {
  checkLinearBias, checkLinearGradOutput, linearNeeds, resolveLinear, type LinearGrads,
} from '../../ops/linear_options';
import type { WasmContext } from './context';

export function createLinearOps(ctx: WasmContext): LinearOps {
  return {
    linear(xArg, wArg, biasArg) {
      const op = 'linear';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const p = resolveLinear(op, x.tensor.shape, w.tensor.shape);
      let bPtr = 0;
      if (biasArg !== undefined && biasArg !== null) {
        const b = ctx.input(biasArg, op, 'bias');
        checkLinearBias(op, p, b.tensor.shape);
        bPtr = b.ptr;
      }
      const workspaceBytes = ctx.kernel('linearWorkspaceBytes');
      const forward = ctx.kernel('linearForward');
      const [y] = ctx.run(op, [[p.n, p.out]], ([yPtr], scratch) => {
        const ws = scratch.alloc((workspaceBytes(p.n, p.in, p.out) as number) >>> 0);
        forward(p.n, p.in, p.out, x.ptr, w.ptr, bPtr, yPtr, ws);
      });
      return y as Tensor;
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
