/** The op-independent part of the js backend: info, tensor creation, scope. */
import type { BackendInfo, CoreOps, MemoryStats } from '../backend';
import { checkShape, checkTensorInput, keepTensors } from '../ops/checks';
import { checkArenaFloats, makeArena } from '../runtime/arena';
import type { JsContext } from './context';

export function createCoreOps(ctx: JsContext): CoreOps {
  const memoryStats = (): MemoryStats => ({
    memoryBytes: ctx.liveBytes,
    allocatedBytes: ctx.liveBytes,
    liveTensors: ctx.tracker.liveCount,
    peakAllocatedBytes: ctx.peakBytes,
  });
  return {
    info: (): BackendInfo => ({ backend: 'js', simd: false, threads: 1, ...memoryStats() }),
    memoryStats,
    tensor(data, shape) {
      checkTensorInput(data, shape, 'tensor');
      const t = ctx.zeros(shape);
      t.data.set(data);
      return t;
    },
    zeros(shape) {
      checkShape(shape, 'zeros');
      return ctx.zeros(shape);
    },
    scope: (fn) => ctx.tracker.scope(fn),
    createArena(floatsArg) {
      const floats = checkArenaFloats(floatsArg);
      // Counted in memoryStats like any tensor; kept out of every scope: the arena frees it.
      const block = ctx.zeros([floats]);
      keepTensors(ctx.tracker, ctx.token, [block]);
      const data = block.data;
      return makeArena(floats, floats * 4,
        (offset, length) => ({ backend: ctx.token, view: () => data.subarray(offset, offset + length), release() {} }),
        () => block.dispose());
    },
    resetPeakMemory: () => ctx.resetPeak(),
    keep: ((...tensors: unknown[]) => keepTensors(ctx.tracker, ctx.token, tensors)) as CoreOps['keep'],
    dispose() {},
  };
}
