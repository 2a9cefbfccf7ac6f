/** conv2d / conv2dBackward of the js backend: shared validation (ops/), then the reference kernels. */
import type { Conv2dOps } from '../backend';
import {
  CONV2D_BACKWARD_OPTION_KEYS, checkConv2dBias, checkConv2dGradOutput, conv2dInputShape, conv2dNeeds,
  conv2dOutputShape, conv2dWeightShape, resolveConv2d, type Conv2dBackwardOptions, type Conv2dGrads,
} from '../ops/conv2d_options';
import { conv2dBackwardData, conv2dBackwardWeight, conv2dForward } from './conv2d';
import type { JsContext } from './context';
import type { Tensor } from '../tensor';
import {
  activationBounds, applyFusedOutput, checkFusedOutput, clampsOutput, type ElementExtent,
} from '../ops/fused_output';

/** A js tensor's elements: its Float32Array's byte range in its buffer. */
export const jsExtent = (t: Tensor): ElementExtent => {
  const d = t.data;
  return [d.buffer, d.byteOffset, d.byteOffset + d.byteLength];
};

export function createConv2dOps(ctx: JsContext): Conv2dOps {
  return {
    conv2d(xArg, wArg, options) {
      const op = 'conv2d';
      const x = ctx.input(xArg, op, 'x');
      const w = ctx.input(wArg, op, 'weight');
      const p = resolveConv2d(op, x.tensor.shape, w.tensor.shape, options);
      const biasArg = options?.bias;
      let b: Tensor | null = null;
      if (biasArg !== undefined && biasArg !== null) {
        b = ctx.input(biasArg, op, 'bias').tensor;
        checkConv2dBias(op, p, b.shape);
      }
      const [lo, hi] = activationBounds(op, options?.activation);
      const residual = options?.residual != null ? ctx.input(options.residual, op, 'residual').tensor : null;
      const out = options?.out != null ? ctx.input(options.out, op, 'out').tensor : null;
      const outputShape = conv2dOutputShape(p);
      const inPlace = checkFusedOutput(op, outputShape, jsExtent, [['x', x.tensor], ['weight', w.tensor], ['bias', b]], residual, out);
      const y = out ?? ctx.zeros(outputShape);
      // in place, the conv goes to a temporary first: y still holds the residual
      const target = inPlace ? new Float32Array(y.size) : y.data;
      conv2dForward(p, x.data, w.data, b ? b.data : null, target);
      if (residual || clampsOutput(lo, hi)) applyFusedOutput(target, residual ? residual.data : null, y.data, lo, hi);
      return y;
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
      const grads: Conv2dGrads = {};
      if (needs.dx) {
        grads.dx = ctx.zeros(conv2dInputShape(p));
        conv2dBackwardData(p, dy.data, w.data, grads.dx.data);
      }
      if (needs.dw || needs.db) {
        if (needs.dw) grads.dw = ctx.zeros(conv2dWeightShape(p));
        if (needs.db) grads.db = ctx.zeros([p.k]);
        conv2dBackwardWeight(p, x.data, dy.data, grads.dw?.data ?? null, grads.db?.data ?? null);
      }
      return grads;
    },


  };
}
