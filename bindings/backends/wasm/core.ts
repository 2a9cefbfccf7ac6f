/** The op-independent part of the wasm backend: info, tensor creation, scope. */
import type { BackendInfo, BackendName, CoreOps, MemoryStats, WasmSource } from '../../backend';
import { checkShape, checkTensorInput, keepTensors } from '../../ops/checks';
import { checkArenaFloats, makeArena } from '../../runtime/arena';
import type { WasmContext } from './context';
import { WasmStorage } from './storage';

export interface WasmBackendMeta {
  backend: Exclude<BackendName, 'js'>;
  wasmSource: WasmSource;
}

export function createCoreOps(ctx: WasmContext, meta: WasmBackendMeta): CoreOps {
  const memoryStats = (): MemoryStats => ({
    memoryBytes: ctx.memory.buffer.byteLength,
    allocatedBytes: ctx.allocator.allocatedBytes,
    liveTensors: ctx.tracker.liveCount,
    peakAllocatedBytes: ctx.allocator.peakAllocatedBytes,
  });
  return {
    info: (): BackendInfo => ({
      backend: meta.backend,
      simd: meta.backend === 'wasm-simd' || meta.backend === 'wasm-relaxed-simd',
      threads: 1,
      wasmSource: meta.wasmSource,
      ...memoryStats(),
    }),
    memoryStats,
    tensor(data, shape) {
      checkTensorInput(data, shape, 'tensor');
      // A view into this module's own memory (e.g. another tensor's .data) detaches when the
      // allocation below grows memory: remember where it points and re-create it afterwards.
      const own = data instanceof Float32Array && data.buffer === ctx.memory.buffer
        ? { offset: data.byteOffset, length: data.length } : null;
      const t = ctx.empty(shape, 'tensor');
      try {
        t.data.set(own ? new Float32Array(ctx.memory.buffer, own.offset, own.length) : data);
      } catch (e) {
        t.dispose(); // never leak the half-made tensor
        throw e;
      }
      return t;
    },
    zeros(shape) {
      checkShape(shape, 'zeros');
      const t = ctx.empty(shape, 'zeros');
      t.data.fill(0);
      return t;
    },
    scope: (fn) => ctx.tracker.scope(fn),
    createArena(floatsArg) {
      const floats = checkArenaFloats(floatsArg);
      const bytes = floats * 4;
      const base = ctx.allocator.alloc(bytes, `arena of ${floats} floats`);
      return makeArena(floats, bytes,
        (offset, length) => new WasmStorage(ctx.token, ctx.memory, null, base + offset * 4, length),
        () => ctx.allocator.free(base));
    },
    resetPeakMemory: () => ctx.allocator.resetPeak(),
    keep: ((...tensors: unknown[]) => keepTensors(ctx.tracker, ctx.token, tensors)) as CoreOps['keep'],
    dispose() {},
  };
}
