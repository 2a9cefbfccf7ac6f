/** linear / linearBackward of the js backend: shared validation (ops/), then the reference kernels. */
import type { LinearOps } from '../backend';
import {
  checkLinearBias, checkLinearGradOutput, linearNeeds, resolveLinear, type LinearGrads,
} from '../ops/linear_options';
import type { JsContext } from './context';
import { linearBackward, linearForward } from './linear';

export function createLinearOps(ctx: JsContext): LinearOps {
  return {
    linear(xArg, wArg, biasArg) {
      const op = 'linear';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const p = resolveLinear(op, x.tensor.shape, w.tensor.shape);
      let bias: Float32Array | null = null;
      if (biasArg !== undefined && biasArg !== null) {
        const b = ctx.input(biasArg, op, 'bias');
        checkLinearBias(op, p, b.tensor.shape);
        bias = b.data;
      }
      const y = ctx.zeros([p.n, p.out]);
      linearForward(p.n, p.in, p.out, x.data, w.data, bias, y.data);
      return y;
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
      const grads: LinearGrads = {};
      if (needs.dx) grads.dx = ctx.zeros([p.n, p.in]);
      if (needs.dw) grads.dw = ctx.zeros([p.out, p.in]);
      if (needs.db) grads.db = ctx.zeros([p.out]);
      linearBackward(p.n, p.in, p.out, x.data, w.data, dy.data,
        grads.dx?.data ?? null, grads.dw?.data ?? null, grads.db?.data ?? null);
      return grads;
    },
  };
}
