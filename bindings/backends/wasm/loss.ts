/** LossOps on the wasm kernels (assembly/train/loss.ts: crossEntropyForwardBackward, mseForwardBackward). */
import type { LossOps } from '../../ops/loss';
import { planCrossEntropy, planMse } from '../../ops/loss';
import { Tensor } from '../../tensor';
import type { WasmContext } from './context';

export function createLossOps(ctx: WasmContext): LossOps {
  return {
    crossEntropyLoss(logitsArg, target, options) {
      const op = 'crossEntropyLoss';
      const logits = ctx.input(logitsArg, op, 'logits');
      const soft = target instanceof Tensor ? ctx.input(target, op, 'target') : null;
      const plan = planCrossEntropy(op, logits.tensor.shape, target, soft?.tensor.shape ?? null, options);
      let total = 0;
      const [grad] = ctx.run(op, [[plan.n, plan.c]], ([gradPtr], scratch) => {
        let labelsPtr = 0;
        if (plan.labels) {
          labelsPtr = scratch.alloc(plan.n * 4);
          new Int32Array(ctx.memory.buffer, labelsPtr, plan.n).set(plan.labels);
        }
        total = ctx.kernel('crossEntropyForwardBackward')(plan.n, plan.c, logits.ptr, labelsPtr, soft?.ptr ?? 0,
          plan.smoothing, plan.gradScale, gradPtr) as number;
      });
      return { loss: total * plan.gradScale, grad: grad as Tensor };
    },

    mseLoss(yArg, targetArg, options) {
      const op = 'mseLoss';
      const y = ctx.input(yArg, op, 'y');
      const t = ctx.input(targetArg, op, 'target');
      const plan = planMse(op, y.tensor.shape, t.tensor.shape, options);
      let total = 0;
      const [grad] = ctx.run(op, [y.tensor.shape], ([gradPtr]) => {
        total = ctx.kernel('mseForwardBackward')(plan.size, y.ptr, t.ptr, plan.gradScale, gradPtr) as number;
      });
      return { loss: total / plan.divisor, grad: grad as Tensor };
    },
  };
}
