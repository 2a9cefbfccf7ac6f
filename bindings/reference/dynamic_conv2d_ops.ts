/** dynamicConv2d op group of the js backend: shared validation (ops/dynamic_conv2d.ts), then the reference. */
import {
  checkDynamicConv2dGradOutput, resolveDynamicConv2d, type DynamicConv2dOps, type DynamicConv2dState,
} from '../ops/dynamic_conv2d';
import type { JsContext } from './context';
import { dynamicConv2dAttention, dynamicConv2dBackward, dynamicConv2dForward, type NamedArrays } from './dynamic_conv2d';

function arrays(state: DynamicConv2dState): NamedArrays {
  return Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.data]));
}

export function createDynamicConv2dOps(ctx: JsContext): DynamicConv2dOps {
  return {
    dynamicConv2d(x, state, options) {
      const plan = resolveDynamicConv2d(x, state, options, ctx.token);
      const { n, k, oh, ow } = plan.conv;
      const y = ctx.zeros([n, k, oh, ow]);
      dynamicConv2dForward(plan, x.data, arrays(state), y.data);
      return y;
    },

    dynamicConv2dAttention(x, state, options) {
      const plan = resolveDynamicConv2d(x, state, options, ctx.token);
      const pi = ctx.zeros([plan.conv.n, plan.kernels]);
      pi.data.set(dynamicConv2dAttention(plan, x.data, arrays(state)).pi);
      return pi;
    },

    dynamicConv2dBackward(x, state, dy, options) {
      const plan = resolveDynamicConv2d(x, state, options, ctx.token);
      checkDynamicConv2dGradOutput(plan, dy, ctx.token);
      const grads = dynamicConv2dBackward(plan, x.data, arrays(state), dy.data);
      const dx = ctx.zeros(x.shape);
      dx.data.set(grads.x);
      const params: Record<string, ReturnType<JsContext['zeros']>> = {};
      for (const name of Object.keys(state)) {
        params[name] = ctx.zeros(state[name].shape);
        params[name].data.set(grads[name]);
      }
      return { dx, params };
    },
  };
}
