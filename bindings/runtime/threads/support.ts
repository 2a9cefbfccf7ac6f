/** What a runtime must offer for the threads build, and how many cores it reports. */

interface NodeProcess { getBuiltinModule?(id: string): unknown }

/** Node's process, when this is Node (or Deno's Node compatibility) — without importing node:*. */
export function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return typeof p?.getBuiltinModule === 'function' ? p : undefined;
}

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return isolated === false
      ? 'SharedArrayBuffer is unavailable because the page is not cross-origin isolated ' +
        "(serve it with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp')"
      : 'this runtime has no SharedArrayBuffer/Atomics';
  }
  if (typeof Worker !== 'function' && !nodeProcess()) return 'this runtime cannot start workers (no Worker, no node:worker_threads)';
  try {
    // shared wasm memory is what the threads build imports
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch {
    return 'this runtime cannot create shared WebAssembly memory';
  }
  return null;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Logical cores (navigator.hardwareConcurrency, or Node's os.availableParallelism), ≥ 1. */
export function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?(): number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}
