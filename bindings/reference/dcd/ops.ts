/** DCD op group of the js backend: shared checks (ops/dcd.ts), then the Float32Array reference. */
import { BackendError } from '../../errors';
import {
  applyDcdFusedOutput, checkDcdBackward, checkDcdForward, checkDcdFusedOutput, dcdOpName, type DcdCache, type DcdOps, type DcdState,
} from '../../ops/dcd';
import { jsExtent } from '../conv2d_ops';
import type { Tensor } from '../../tensor';
import type { JsContext } from '../context';
import { dcdBackwardArrays } from './backward';
import { dcdForwardArrays, type DcdTrace, type NamedArrays } from './forward';

class JsDcdCache implements DcdCache {
  readonly training: boolean;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  trace: DcdTrace | null;
  readonly owner: object;

  constructor(owner: object, training: boolean, xShape: readonly number[], yShape: readonly number[], trace: DcdTrace) {
    this.owner = owner;
    this.training = training;
    this.xShape = xShape;
    this.yShape = yShape;
    this.trace = trace;
  }

  dispose(): void {
    this.trace = null;
  }
}

const arrays = (state: DcdState): NamedArrays => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.data]));

export function createDcdOps(ctx: JsContext): DcdOps {
  return {
    dcdForward(dims, state, x, options) {
      const yShape = checkDcdForward(dims, state, x, options, ctx.token);
      const fused = checkDcdFusedOutput(dims, state, x, yShape, options, ctx.token, jsExtent);
      const y = fused.out ?? ctx.zeros(yShape);
      // The trace keeps a copy of x: the caller may dispose x before backward.
      const trace = dcdForwardArrays(dims, arrays(state), x.toFloat32Array(), x.shape, options.training, y.data, options.momentum);
      if (fused.any) applyDcdFusedOutput(y.data, yShape, fused);
      const cache = options.needsBackward === false ? null : new JsDcdCache(ctx.token, options.training, x.shape, yShape, trace);
      return { y, cache };
    },

    dcdBackward(dims, state, cache, dy) {
      const op = dcdOpName(dims);
      if (!(cache instanceof JsDcdCache) || cache.owner !== ctx.token) {
        throw new BackendError(`${op}: backward needs the cache returned by dcdForward of this backend`);
      }
      if (cache.trace === null) throw new BackendError(`${op}: the forward cache was already disposed`);
      checkDcdBackward(dims, state, cache.yShape, dy, ctx.token);
      const grads = dcdBackwardArrays(dims, arrays(state), cache.trace, dy.data);
      const dx = ctx.zeros(cache.xShape);
      dx.data.set(grads.dx);
      const params: Record<string, Tensor> = {};
      for (const [name, g] of Object.entries(grads.params)) {
        params[name] = ctx.zeros(state[name].shape);
        params[name].data.set(g);
      }
      return { dx, params };
    },
  };
}
