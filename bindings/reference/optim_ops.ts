/**
 * OptimOps of the js backend: the same update formulas as assembly/train/optim.ts in float32
 * (Math.fround after every operation, no fused multiply-add — bit-identical to the SIMD and scalar
 * wasm builds).
 */
import type { OptimOps } from '../ops/optim';
import { adamwScalars, expectFinite, expectSameShape, sgdScalars } from '../ops/optim';
import type { JsContext } from './context';

const f = Math.fround;

export function createOptimOps(ctx: JsContext): OptimOps {
  return {
    sgdStep(paramArg, gradArg, bufferArg, options) {
      const op = 'sgdStep';
      const param = ctx.input(paramArg, op, 'param');
      const grad = ctx.input(gradArg, op, 'grad');
      expectSameShape(param.tensor, grad.tensor, op, 'grad');
      let buf: Float32Array | null = null;
      if (bufferArg !== null && bufferArg !== undefined) {
        const b = ctx.input(bufferArg, op, 'momentumBuffer');
        expectSameShape(param.tensor, b.tensor, op, 'momentumBuffer');
        buf = b.data;
      }
      const s = sgdScalars(op, options, buf !== null);
      const p = param.data;
      const g = grad.data;
      for (let i = 0; i < p.length; i++) {
        const pv = p[i];
        let d = g[i];
        if (s.weightDecay !== 0) d = f(d + f(s.weightDecay * pv));
        if (buf) {
          const b = s.firstStep ? d : f(f(buf[i] * s.momentum) + f(s.oneMinusDampening * d));
          buf[i] = b;
          d = s.nesterov ? f(d + f(s.momentum * b)) : b;
        }
        p[i] = f(pv + f(s.negLr * d));
      }
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
      let vmax: Float32Array | null = null;
      if (maxArg !== null && maxArg !== undefined) {
        const t = ctx.input(maxArg, op, 'maxExpAvgSq');
        expectSameShape(param.tensor, t.tensor, op, 'maxExpAvgSq');
        vmax = t.data;
      }
      const s = adamwScalars(op, options);
      const p = param.data;
      const g = grad.data;
      const md = m.data;
      const vd = v.data;
      for (let i = 0; i < p.length; i++) {
        const gv = g[i];
        const pv = f(p[i] * s.decayFactor);
        const mv = f(f(md[i] * s.beta1) + f(s.oneMinusBeta1 * gv));
        const vv = f(f(vd[i] * s.beta2) + f(f(s.oneMinusBeta2 * gv) * gv));
        md[i] = mv;
        vd[i] = vv;
        let second = vv;
        if (vmax) {
          second = Math.max(vmax[i], vv);
          vmax[i] = second;
        }
        const denom = f(f(f(Math.sqrt(second)) / s.bc2Sqrt) + s.eps);
        p[i] = f(pv + f(s.negStepSize * f(mv / denom)));
      }
    },

    sumSquares(xArg) {
      const x = ctx.input(xArg, 'sumSquares', 'x').data;
      let total = 0;
      for (let i = 0; i < x.length; i++) total += x[i] * x[i];
      return total;
    },

    scaleInPlace(xArg, factor) {
      const x = ctx.input(xArg, 'scaleInPlace', 'x').data;
      const s = f(expectFinite(factor, 'scaleInPlace', 'factor'));
      for (let i = 0; i < x.length; i++) x[i] = f(x[i] * s);
    },
  };
}
