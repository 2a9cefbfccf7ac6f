/** OptimOps on the wasm kernels (assembly/train/optim.ts: sgdStep, adamwStep, sumSquares, scaleInPlace). */
import type { OptimOps } from '../../ops/optim';
import { adamwScalars, expectFinite, expectSameShape, sgdScalars } from '../../ops/optim';
import type { WasmContext } from './context';

export function createOptimOps(ctx: WasmContext): OptimOps {
  return {
    sgdStep(paramArg, gradArg, bufferArg, options) {
      const op = 'sgdStep';
      const param = ctx.input(paramArg, op, 'param');
      const grad = ctx.input(gradArg, op, 'grad');
      expectSameShape(param.tensor, grad.tensor, op, 'grad');
      let bufPtr = 0;
      if (bufferArg !== null && bufferArg !== undefined) {
        const buf = ctx.input(bufferArg, op, 'momentumBuffer');
        expectSameShape(param.tensor, buf.tensor, op, 'momentumBuffer');
        bufPtr = buf.ptr;
      }
      const s = sgdScalars(op, options, bufPtr !== 0);
      ctx.run(op, [], () => {
        ctx.kernel('sgdStep')(param.tensor.size, param.ptr, grad.ptr, bufPtr, s.negLr, s.momentum,
          s.oneMinusDampening, s.weightDecay, s.nesterov ? 1 : 0, s.firstStep ? 1 : 0);
      });
    },

    adamwStep(paramArg, gradArg, expAvgArg, expAvgSqArg, maxArg, options) {
      const op = 'adamwStep';
      const param = ctx.input(paramArg, op, 'param');
      const grad = ctx.input(gradArg, op, 'grad');
      const m = ctx.input(expAvgArg, op, 'expAvg');
      const v = ctx.input(expAvgSqArg, op, 'expAvgSq');
      for (const [t, name] of [[grad, 'grad'], [m, 'expAvg'], [v, 'expAvgSq']] as const) {
        expectSameShape(param.tensor, t.tensor, op, name);
      }
      let maxPtr = 0;
      if (maxArg !== null && maxArg !== undefined) {
        const vmax = ctx.input(maxArg, op, 'maxExpAvgSq');
        expectSameShape(param.tensor, vmax.tensor, op, 'maxExpAvgSq');
        maxPtr = vmax.ptr;
      }
      const s = adamwScalars(op, options);
      ctx.run(op, [], () => {
        ctx.kernel('adamwStep')(param.tensor.size, param.ptr, grad.ptr, m.ptr, v.ptr, maxPtr, s.decayFactor,
          s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.negStepSize, s.bc2Sqrt, s.eps);
      });
    },

    sumSquares(xArg) {
      const x = ctx.input(xArg, 'sumSquares', 'x');
      let total = 0;
      ctx.run('sumSquares', [], () => {
        total = ctx.kernel('sumSquares')(x.tensor.size, x.ptr) as number;
      });
      return total;
    },

    scaleInPlace(xArg, factor) {
      const x = ctx.input(xArg, 'scaleInPlace', 'x');
      const f = expectFinite(factor, 'scaleInPlace', 'factor');
      ctx.run('scaleInPlace', [], () => ctx.kernel('scaleInPlace')(x.tensor.size, x.ptr, f));
    },
  };
}
