/**
 * init() / initSync(): pick a backend, load + instantiate the wasm build, and return a Backend.
 *   backend 'auto'        relaxed-SIMD build if WebAssembly.validate accepts relaxed SIMD, else SIMD,
 *                         else scalar, else js (runtime/builds.ts)
 *   backend 'wasm-relaxed-simd' | 'wasm-simd' | 'wasm-scalar'  that build (BackendError if unavailable
 *                         or mismatched)
 *   backend 'js'          the pure-TypeScript reference backend
 *   wasm                  the user's module/bytes/URL/Response; its simdEnabled() / relaxedSimdEnabled()
 *                         exports decide the build. Or a resolver, (file) => any of those, called
 *                         with the file of the build 'backend' picks (what dcd-wasm/slim needs)
 *   threads               1 (default) | n | 'auto': n > 1 runs big ops on a worker pool over shared
 *                         memory (runtime/threads/start.ts); threadMinFlops tunes what counts as big
 */
import type { Backend, BackendName, WasmSource } from '../backend';
import { BackendError, OptionError } from '../errors';
import { describe, expectOptions } from '../ops/checks';
import { parseRuntimeGuards, type DebugOptions, type RuntimeGuards } from './debug';
import { createJsBackend } from '../reference/index';
import { createWasmBackend } from '../backends/wasm/index';
import type { KernelExports } from '../backends/wasm/exports';
import { hasWebAssembly } from './features';
import { backendOfBuild, embeddedBuildFor } from './builds';
import {
  embeddedModule, embeddedModuleAsync, moduleFromInput, moduleFromInputSync, isWasmResolver, resolveWasm, resolveWasmSync, WASM_FILE,
  type EmbeddedBuild, type WasmInput, type WasmResolver,
} from './source';
import { initThreads, planThreads, type ThreadsOption } from './threads/start';
import { withThreads } from './threads/backend';

/** A backend name, or 'auto': the fastest this runtime validates (relaxed SIMD > SIMD > scalar > js). */
export type BackendChoice = 'auto' | BackendName;

/** Options of {@link init} and {@link initSync}; every field is optional. */
export interface InitOptions {
  /** Which backend; 'auto' (default): relaxed SIMD > SIMD > scalar as the runtime validates, else js. */
  backend?: BackendChoice;
  /**
   * The wasm to run instead of the embedded build: a WebAssembly.Module, bytes, a URL or a Response;
   * or a resolver called with the file of the one build this runtime needs, e.g.
   * `(file) => new URL(file, 'https://cdn.example/dcd-wasm/')`.
   */
  wasm?: WasmInput | WasmResolver;
  /** Threads to split big ops over (default 1); 'auto' = the cores, falling back to 1 where threads can't run. */
  threads?: ThreadsOption;
  /** With threads > 1: ops below this many flops run on the calling thread only (default 6e6). */
  threadMinFlops?: number;
  /** wasm backends: never grow linear memory beyond this many bytes (OutOfMemoryError instead). */
  maxMemoryBytes?: number;
  /** Debug aids: true = leak reports + NaN-poisoned free memory; or pick them (runtime/debug.ts). */
  debug?: boolean | DebugOptions;
}

const CHOICES: readonly BackendChoice[] = ['auto', 'wasm-relaxed-simd', 'wasm-simd', 'wasm-scalar', 'js'];

interface Plan { choice: BackendChoice; wasm: WasmInput | WasmResolver | undefined; useJs: boolean; build: EmbeddedBuild; guards: RuntimeGuards }

/** Validates options and decides js vs wasm, and which embedded build (when no wasm is given). */
function plan(op: string, options: unknown): Plan {
  const o = expectOptions<InitOptions>(options, op, ['backend', 'wasm', 'threads', 'threadMinFlops', 'maxMemoryBytes', 'debug']);
  const guards = parseRuntimeGuards(op, o.maxMemoryBytes, o.debug);
  // Checked whatever the thread count, so a typo'd value is never silently ignored.
  if (o.threadMinFlops !== undefined &&
    (typeof o.threadMinFlops !== 'number' || !(o.threadMinFlops >= 0))) {
    throw new OptionError(`${op}: threadMinFlops must be a number >= 0, got ${describe(o.threadMinFlops)}`);
  }
  const choice = o.backend ?? 'auto';
  if (!CHOICES.includes(choice)) {
    throw new OptionError(`${op}: backend must be one of ${CHOICES.map((c) => `'${c}'`).join(', ')}, got ${describe(choice)}`);
  }
  if (choice === 'js') {
    if (o.wasm !== undefined) throw new OptionError(`${op}: wasm was given but backend is 'js', which doesn't use it`);
    return { choice, wasm: undefined, useJs: true, build: 'scalar', guards };
  }
  if (!hasWebAssembly()) {
    if (choice === 'auto') return { choice, wasm: undefined, useJs: true, build: 'scalar', guards };
    throw new BackendError(`${op}: backend '${choice}' needs WebAssembly, which this runtime lacks; use 'js' or 'auto'`);
  }
  // with a user-supplied wasm the module itself says which build it is (checked in finish)
  const resolver = typeof o.wasm === 'function';
  const build = o.wasm === undefined || resolver ? embeddedBuildFor(op, choice, !resolver) : 'scalar';
  return { choice, wasm: o.wasm, useJs: false, build, guards };
}

const imports = {
  env: {
    abort(_msg: number, _file: number, line: number, column: number): never {
      throw new BackendError(`a kernel aborted (assembly line ${line}:${column})`);
    },
  },
};

const REQUIRED_EXPORTS = ['memory', 'heapBase', 'simdEnabled', 'sgemm'] as const;

/** Checks the instance is a dcd-wasm build matching the requested backend; builds the Backend. */
function finish(op: string, instance: WebAssembly.Instance, choice: BackendChoice, source: WasmSource, guards: RuntimeGuards): Backend {
  const exports = instance.exports as unknown as KernelExports;
  const missing = REQUIRED_EXPORTS.filter((name) => exports[name] === undefined);
  if (missing.length > 0 || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new BackendError(`${op}: the wasm module is not a dcd-wasm build (missing exports: ${missing.join(', ') || 'memory'})`);
  }
  if (choice === 'js') throw new BackendError(`${op}: internal: a wasm module was loaded for backend 'js'`);
  return createWasmBackend(exports, { backend: backendOfBuild(op, exports, choice), wasmSource: source }, guards);
}

function instantiateSync(op: string, module: WebAssembly.Module): WebAssembly.Instance {
  try {
    return new WebAssembly.Instance(module, imports);
  } catch (e) {
    throw new BackendError(`${op}: could not instantiate the wasm module: ${(e as Error)?.message ?? String(e)}`);
  }
}

async function instantiateAsync(op: string, module: WebAssembly.Module): Promise<WebAssembly.Instance> {
  try {
    return await WebAssembly.instantiate(module, imports);
  } catch (e) {
    throw new BackendError(`${op}: could not instantiate the wasm module: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Loads a backend; the wasm may come from bytes, a Module, a URL or a Response (see InitOptions). */
export async function init(options?: InitOptions): Promise<Backend> {
  const p = plan('init', options);
  const t = planThreads('init', options?.threads, p.choice, false);
  if (t.threads > 1) return initThreads('init', p.wasm, t.threads, options?.threadMinFlops, p.choice as 'auto' | 'wasm-simd' | 'wasm-relaxed-simd', p.guards);
  if (p.useJs) return withThreads(createJsBackend(p.guards), null, t.note);
  const wasm = isWasmResolver(p.wasm) ? await resolveWasm(p.wasm, WASM_FILE[p.build]) : p.wasm;
  const { module, source } = wasm !== undefined
    ? await moduleFromInput(wasm)
    : { module: await embeddedModuleAsync(p.build), source: 'embedded' as const };
  return withThreads(finish('init', await instantiateAsync('init', module), p.choice, source, p.guards), null, t.note);
}

/** Like init(), without await: the wasm must be embedded, bytes or a WebAssembly.Module. */
export function initSync(options?: InitOptions): Backend {
  const p = plan('initSync', options);
  const t = planThreads('initSync', options?.threads, p.choice, true);
  if (p.useJs) return withThreads(createJsBackend(p.guards), null, t.note);
  const wasm = isWasmResolver(p.wasm) ? resolveWasmSync(p.wasm, WASM_FILE[p.build]) : p.wasm;
  const { module, source } = wasm !== undefined
    ? moduleFromInputSync(wasm)
    : { module: embeddedModule(p.build), source: 'embedded' as const };
  return withThreads(finish('initSync', instantiateSync('initSync', module), p.choice, source, p.guards), null, t.note);
}
