/** The op-independent part of the wasm backend: info, tensor creation, scope. */
import type { BackendInfo, BackendName, CoreOps, MemoryStats, WasmSource } from '../../backend';
import { checkShape, checkTensorInput, expectTensor } from '../../ops/checks';
import type { WasmContext } from './context';

export interface WasmBackendMeta {
  backend: Exclude<BackendName, 'js'>;
  wasmSource: WasmSource;
}

export function createCoreOps(ctx: WasmContext, meta: WasmBackendMeta): CoreOps {
  const memoryStats = (): MemoryStats => ({
    memoryBytes: ctx.memory.buffer.byteLength,
    allocatedBytes: ctx.allocator.allocatedBytes,
    liveTensors: ctx.tracker.liveCount,
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
      const t = ctx.empty(shape, 'tensor');
      t.data.set(data);
      return t;
    },
    zeros(shape) {
      checkShape(shape, 'zeros');
      const t = ctx.empty(shape, 'zeros');
      t.data.fill(0);
      return t;
    },
    scope: (fn) => ctx.tracker.scope(fn),
    keep(...tensors) {
      for (const t of tensors) ctx.tracker.keep(expectTensor(t, 'keep', 'tensor', ctx.token));
      return tensors[0];
    },
    dispose() {},
  };
}
