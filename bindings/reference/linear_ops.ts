/** linear / linearBackward of the js backend: shared validation (ops/), then the reference kernels. */
import type { LinearOps } from '../backend';
import {
  checkLinearBias, checkLinearGradOutput, linearNeeds, parseLinearArgument, resolveLinear, type LinearGrads,
} from '../ops/linear_options';
import { checkFusedOutput } from '../ops/fused_output';
import type { Tensor } from '../tensor';
import type { JsContext } from './context';
import { jsExtent } from './conv2d_ops';
import { linearBackward, linearForward } from './linear';

export function createLinearOps(ctx: JsContext): LinearOps {
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
      const out = outArg !== null ? ctx.input(outArg, op, 'out').tensor : null;
      checkFusedOutput(op, [p.n, p.out], jsExtent, [['x', x.tensor], ['weight', w.tensor], ['bias', bias]], null, out);
      const y = out ?? ctx.zeros([p.n, p.out]);
      linearForward(p.n, p.in, p.out, x.data, w.data, bias ? bias.data : null, y.data);
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
