/**
 * dynamicConv2d op group on the wasm kernels (ABI: dynamicAttention*, dynamicConv2d*; see
 * assembly/dynamic/). Validation is shared with the js backend (ops/dynamic_conv2d.ts) and happens
 * before any allocation. Backward recomputes the attention (pool + two tiny Linears): cheaper than
 * keeping a cache alive between calls.
 */
import {
  checkDynamicConv2dGradOutput, resolveDynamicConv2d, type DynamicConv2dOps, type DynamicConv2dPlan,
  type DynamicConv2dState,
} from '../../ops/dynamic_conv2d';
import type { Tensor } from '../../tensor';
import type { Scratch, WasmContext } from './context';
import { planConv2dGather } from '../../ops/conv2d_geometry';
import { conv2dDescriptor } from './conv2d';
import { gatherInput, gatheredGradBuffer, scatterGrad } from './conv2d_gather';

const MODE_CODE = { softmax: 0, sigmoid: 1 } as const;

/** Attention-branch tensors in the kernels' argument order (w1, b1, w2, b2; 0 = unused). */
function attentionPtrs(ctx: WasmContext, plan: DynamicConv2dPlan, state: DynamicConv2dState): number[] {
  const names = plan.mode === 'softmax'
    ? ['attention.fc1.weight', 'attention.fc1.bias', 'attention.fc2.weight', 'attention.fc2.bias']
    : ['routing.weight', 'routing.bias'];
  const ptrs = names.map((name) => ctx.ptrOf(state[name]));
  return [...ptrs, 0, 0].slice(0, 4);
}

interface AttentionBuffers { pooled: number; hid: number; ws: number }

/** Runs the attention forward into `pi`; returns the scratch it keeps for the backward pass. */
function attentionForward(
  ctx: WasmContext, plan: DynamicConv2dPlan, x: number, state: DynamicConv2dState, pi: number, scratch: Scratch,
): AttentionBuffers {
  const { n, c, h, w } = plan.conv;
  const k = plan.kernels;
  const pooled = scratch.alloc(n * c * 4);
  const hid = scratch.alloc(n * Math.max(plan.hidden, 1) * 4);
  const ws = scratch.alloc((ctx.kernel('dynamicAttentionWorkspaceBytes')(n, c, plan.hidden, k) as number) >>> 0);
  const [w1, b1, w2, b2] = attentionPtrs(ctx, plan, state);
  ctx.kernel('dynamicAttentionForward')(n, c, h, w, plan.hidden, k, MODE_CODE[plan.mode], 1 / plan.temperature,
    x, w1, b1, w2, b2, pooled, hid, pi, ws);
  return { pooled, hid, ws };
}

export function createDynamicConv2dOps(ctx: WasmContext): DynamicConv2dOps {
  return {
    dynamicConv2d(xArg, state, options) {
      const plan = resolveDynamicConv2d(xArg, state, options, ctx.token);
      const x = ctx.input(xArg, 'dynamicConv2d', 'x');
      const { n, k, oh, ow } = plan.conv;
      const gathered = planConv2dGather('dynamicConv2d', plan.conv);
      const [y] = ctx.run('dynamicConv2d', [[n, k, oh, ow]], ([yPtr], scratch) => {
        const pi = scratch.alloc(n * plan.kernels * 4);
        attentionForward(ctx, plan, x.ptr, state, pi, scratch);
        // Extreme stride/padding/dilation: the conv runs on a gathered input (ops/conv2d_geometry.ts);
        // the attention still pools x itself.
        const xConv = gathered ? gatherInput(ctx, scratch, gathered, plan.conv, x.ptr) : x.ptr;
        const desc = scratch.i32(conv2dDescriptor(gathered ? gathered.params : plan.conv));
        const ws = scratch.alloc((ctx.kernel('dynamicConv2dWorkspaceBytes')(desc, plan.kernels, 0) as number) >>> 0);
        const bias = plan.hasBias ? ctx.ptrOf(state.bias) : 0;
        ctx.kernel('dynamicConv2dForward')(desc, plan.kernels, xConv, pi, ctx.ptrOf(state.weight), bias, yPtr, ws);
      });
      return y as Tensor;
    },

    dynamicConv2dAttention(xArg, state, options) {
      const plan = resolveDynamicConv2d(xArg, state, options, ctx.token);
      const x = ctx.input(xArg, 'dynamicConv2dAttention', 'x');
      const [pi] = ctx.run('dynamicConv2dAttention', [[plan.conv.n, plan.kernels]], ([piPtr], scratch) => {
        attentionForward(ctx, plan, x.ptr, state, piPtr, scratch);
      });
      return pi as Tensor;
    },

    dynamicConv2dBackward(xArg, state, dyArg, options) {
      const op = 'dynamicConv2dBackward';
      const plan = resolveDynamicConv2d(xArg, state, options, ctx.token);
      checkDynamicConv2dGradOutput(plan, dyArg, ctx.token);
      const x = ctx.input(xArg, op, 'x');
      const dy = ctx.input(dyArg, op, 'dy');
      const names = Object.keys(state);
      const outputs = [x.tensor.shape, ...names.map((name) => state[name].shape)];
      const gathered = planConv2dGather(op, plan.conv);
      const made = ctx.run(op, outputs, ([dxPtr, ...gradPtrs], scratch) => {
        const grad = (name: string): number => (names.includes(name) ? gradPtrs[names.indexOf(name)] : 0);
        const { n, c, h, w } = plan.conv;
        const kk = plan.kernels;
        const pi = scratch.alloc(n * kk * 4);
        const dpi = scratch.alloc(n * kk * 4);
        const att = attentionForward(ctx, plan, x.ptr, state, pi, scratch);
        const xConv = gathered ? gatherInput(ctx, scratch, gathered, plan.conv, x.ptr) : x.ptr;
        const dxConv = gathered ? gatheredGradBuffer(scratch, gathered) : dxPtr;
        const desc = scratch.i32(conv2dDescriptor(gathered ? gathered.params : plan.conv));
        const ws = scratch.alloc((ctx.kernel('dynamicConv2dWorkspaceBytes')(desc, kk, 1) as number) >>> 0);
        const bias = plan.hasBias ? ctx.ptrOf(state.bias) : 0;
        ctx.kernel('dynamicConv2dBackward')(desc, kk, xConv, pi, ctx.ptrOf(state.weight), bias, dy.ptr,
          dxConv, grad('weight'), grad('bias'), dpi, ws);
        if (gathered) scatterGrad(ctx, gathered, plan.conv, dxConv, dxPtr);
        const [w1, , w2] = attentionPtrs(ctx, plan, state);
        const [dw1, db1, dw2, db2] = plan.mode === 'softmax'
          ? ['attention.fc1.weight', 'attention.fc1.bias', 'attention.fc2.weight', 'attention.fc2.bias'].map(grad)
          : [grad('routing.weight'), grad('routing.bias'), 0, 0];
        ctx.kernel('dynamicAttentionBackward')(n, c, h, w, plan.hidden, kk, MODE_CODE[plan.mode], 1 / plan.temperature,
          att.pooled, att.hid, pi, dpi, w1, w2, dw1, db1, dw2, db2, dxPtr, att.ws);
      }) as Tensor[];
      const [dx, ...grads] = made;
      return { dx, params: Object.fromEntries(names.map((name, i) => [name, grads[i]])) };
    },
  };
}
