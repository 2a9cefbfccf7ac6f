/**
 * `init({ threads })`: how many threads, and bringing up the threaded backend's kernels.
 *   threads 1 (default)  today's single-threaded builds, no workers.
 *   threads n > 1        a threads build (shared memory) on n threads: relaxed SIMD where the runtime
 *                        validates it (backend 'auto' or 'wasm-relaxed-simd'), else SIMD; BackendError
 *                        where the runtime can't (no SharedArrayBuffer, not cross-origin isolated, …).
 *   threads 'auto'       the runtime's cores, capped at MAX_AUTO_THREADS; 1 with a note in info()
 *                        where threads are unavailable.
 */
import { NO_GUARDS, type RuntimeGuards } from '../debug';
import type { Backend } from '../../backend';
import { BackendError, OptionError } from '../../errors';
import { describe } from '../../ops/checks';
import type { KernelExports } from '../../backends/wasm/exports';
import { createWasmBackend } from '../../backends/wasm/index';
import { threadedExports } from '../../backends/wasm/pool_exports';
import { backendOfBuild } from '../builds';
import { relaxedSimdSupported, simdSupported } from '../features';
import { isWasmResolver, moduleFromInput, resolveWasm, type WasmInput, type WasmResolver } from '../source';
import { withThreads } from './backend';
import { checkThreadsOption, type ThreadPlan } from './option';
import { CONTROL_BYTES } from './control';
import { embeddedThreadsModule, hasEmbeddedThreadsBuild, THREADS_FILE, type ThreadsBuild } from './embedded';
import { ThreadPool } from './pool';
import { hardwareThreads, threadsUnavailableReason } from './support';

export type { ThreadsOption, ThreadPlan } from './option';

const MAX_AUTO_THREADS = 8;
/**
 * Below this many flops an op runs on the calling thread: the hand-off costs ~55 µs here (a worker
 * woken by Atomics.notify resumes 10–35 µs later), so 2 threads broke even at ~5 MFLOP on the 2-core
 * VM (3.6 MFLOP ran at 0.71× one thread, 7.2 MFLOP at 1.24×; bench/cases/threads.mjs, 2026-11-28).
 */
export const DEFAULT_MIN_FLOPS = 6e6;
/** The threads build's imported memory limits, in pages: they must equal asconfig.json's "threads" target. */
export const THREADS_MEMORY = { initial: 16, maximum: 65536 } as const;

/** Validates the option and decides the thread count (before any wasm is loaded). */
export function planThreads(op: string, option: unknown, backend: string, sync: boolean): ThreadPlan {
  if (!checkThreadsOption(op, option)) return { threads: 1 };
  const auto = option === 'auto';
  const wanted = auto ? Math.min(hardwareThreads(), MAX_AUTO_THREADS) : (option as number);
  let reason: string | null = null;
  if (backend === 'js') reason = "backend 'js' is single-threaded";
  else if (backend !== 'auto' && backend !== 'wasm-simd' && backend !== 'wasm-relaxed-simd') {
    reason = `the threads builds are SIMD and relaxed SIMD; backend '${backend}' has no threaded build`;
  } else if (!simdSupported()) reason = 'the threads builds need WebAssembly SIMD, which this runtime lacks';
  else if (backend === 'wasm-relaxed-simd' && !relaxedSimdSupported()) {
    reason = 'this runtime does not support WebAssembly relaxed SIMD (Node 20 needs `node --experimental-wasm-relaxed-simd`)';
  }
  else if (sync) reason = 'initSync cannot start threads (workers start asynchronously); use await init({ threads })';
  else reason = threadsUnavailableReason();
  if (reason === null) return { threads: wanted };
  if (auto) return { threads: 1, note: `threads: 'auto' fell back to 1 thread: ${reason}` };
  throw new BackendError(`${op}: threads: ${String(option)} requested but ${reason}`);
}

/** True when `module` is a threads build (it imports its memory). */
export function importsMemory(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
}

/**
 * Instantiates the threads build on a new shared memory, starts threads − 1 workers on it, and
 * returns kernel exports that split big ops across them (pool_exports.ts).
 */
async function startThreads(op: string, module: WebAssembly.Module, threads: number, minFlops: number): Promise<{ exports: KernelExports; pool: ThreadPool }> {
  if (!importsMemory(module)) {
    throw new BackendError(`${op}: threads need the threads wasm build (dcd-threads.wasm), which imports a shared memory; ` +
      'the given module does not');
  }
  let instance: WebAssembly.Instance;
  const memory = new WebAssembly.Memory({ ...THREADS_MEMORY, shared: true } as WebAssembly.MemoryDescriptor);
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory, abort } });
  } catch (e) {
    throw new BackendError(`${op}: could not instantiate the threads wasm build: ${(e as Error)?.message ?? String(e)}`);
  }
  const base = instance.exports as unknown as KernelExports;
  // The control block sits just above the kernels' static data; the allocator starts after it.
  const control = Math.ceil((base.heapBase() >>> 0) / 64) * 64;
  const pool = await ThreadPool.start(module, memory, instance.exports as Record<string, unknown>, control, threads);
  const exports = threadedExports({ ...base, memory, heapBase: () => control + CONTROL_BYTES }, pool, { minFlops });
  return { exports, pool };
}

function abort(_msg: number, _file: number, line: number, column: number): never {
  throw new BackendError(`a kernel aborted (assembly line ${line}:${column})`);
}

/** The threads build for a backend choice: relaxed SIMD for 'auto' where it validates (and is embedded). */
export function threadsBuildFor(choice: string, needEmbedded: boolean): ThreadsBuild {
  if (choice === 'wasm-relaxed-simd') return 'relaxed-simd';
  if (choice === 'wasm-simd' || !relaxedSimdSupported()) return 'simd';
  return !needEmbedded || hasEmbeddedThreadsBuild('relaxed-simd') ? 'relaxed-simd' : 'simd';
}

/** init() with threads > 1 (planThreads said yes): the threaded wasm-simd / wasm-relaxed-simd backend. */
export async function initThreads(op: string, wasmOption: WasmInput | WasmResolver | undefined, threads: number,
  minFlops: unknown, choice: 'auto' | 'wasm-simd' | 'wasm-relaxed-simd' = 'auto', guards: RuntimeGuards = NO_GUARDS): Promise<Backend> {
  if (minFlops !== undefined && !(typeof minFlops === 'number' && minFlops >= 0)) {
    throw new OptionError(`${op}: threadMinFlops must be a number ≥ 0, got ${describe(minFlops)}`);
  }
  const wasm = isWasmResolver(wasmOption)
    ? await resolveWasm(wasmOption, THREADS_FILE[threadsBuildFor(choice, false)])
    : wasmOption;
  const { module, source } = wasm !== undefined
    ? await moduleFromInput(wasm)
    : { module: await embeddedThreadsModule(threadsBuildFor(choice, true)), source: 'embedded' as const };
  const { exports, pool } = await startThreads(op, module, threads, (minFlops as number | undefined) ?? DEFAULT_MIN_FLOPS);
  if (exports.simdEnabled() !== 1) {
    pool.dispose();
    throw new BackendError(`${op}: the given threads build is not a SIMD build (simdEnabled() = 0)`);
  }
  let backend: 'wasm-simd' | 'wasm-relaxed-simd';
  try {
    backend = backendOfBuild(op, exports, choice) as typeof backend;
  } catch (e) {
    pool.dispose();
    throw e;
  }
  return withThreads(createWasmBackend(exports, { backend, wasmSource: source }, guards), pool, undefined);
}
