/**
 * LossOps of the js backend: the same float64 sums as assembly/train/loss.ts (results agree with
 * the wasm builds to float64 rounding; the float32 gradients almost always bit for bit).
 */
import type { LossOps } from '../ops/loss';
import { planCrossEntropy, planMse } from '../ops/loss';
import { Tensor } from '../tensor';
import type { JsContext } from './context';

export function createLossOps(ctx: JsContext): LossOps {
  return {
    crossEntropyLoss(logitsArg, target, options) {
      const op = 'crossEntropyLoss';
      const logits = ctx.input(logitsArg, op, 'logits');
      const soft = target instanceof Tensor ? ctx.input(target, op, 'target') : null;
      const { n, c, smoothing, gradScale, labels } =
        planCrossEntropy(op, logits.tensor.shape, target, soft?.tensor.shape ?? null, options);
      const grad = ctx.zeros([n, c]);
      const x = logits.data;
      const g = grad.data;
      const t = soft?.data;
      const uniform = smoothing / c;
      const keep = 1 - smoothing;
      let total = 0;
      for (let row = 0; row < n; row++) {
        const base = row * c;
        let max = x[base];
        for (let k = 1; k < c; k++) max = Math.max(max, x[base + k]);
        let sumExp = 0;
        for (let k = 0; k < c; k++) sumExp += Math.exp(x[base + k] - max);
        const logSum = Math.log(sumExp) + max;
        const targetOf = (k: number): number =>
          labels ? (k === labels[row] ? keep : 0) + uniform : keep * (t as Float32Array)[base + k] + uniform;
        let targetSum = 0;
        if (labels) targetSum = 1;
        else for (let k = 0; k < c; k++) targetSum += targetOf(k);
        let rowLoss = 0;
        for (let k = 0; k < c; k++) {
          const logp = x[base + k] - logSum;
          const target = targetOf(k);
          rowLoss -= target * logp;
          g[base + k] = (Math.exp(logp) * targetSum - target) * gradScale;
        }
        total += rowLoss;
      }
      return { loss: total * gradScale, grad };
    },

    mseLoss(yArg, targetArg, options) {
      const op = 'mseLoss';
      const y = ctx.input(yArg, op, 'y');
      const t = ctx.input(targetArg, op, 'target');
      const { gradScale, divisor } = planMse(op, y.tensor.shape, t.tensor.shape, options);
      const grad = ctx.zeros(y.tensor.shape);
      const scale = Math.fround(gradScale);
      let total = 0;
      for (let i = 0; i < y.data.length; i++) {
        const d = Math.fround(y.data[i] - t.data[i]);
        grad.data[i] = d * scale;
        total += d * d;
      }
      return { loss: total / divisor, grad };
    },
  };
}
