/** The threads builds embedded in the bundle ('' when it was built without one), compiled once each. */
import { BackendError } from '../../errors';
import { decodeBase64 } from '../base64';
import { RELAXED_SIMD_THREADS_WASM_BASE64, THREADS_WASM_BASE64 } from 'virtual:dcd-wasm/embedded';

/** 'simd' is dcd-threads.wasm, 'relaxed-simd' is dcd-relaxed-simd-threads.wasm. */
export type ThreadsBuild = 'simd' | 'relaxed-simd';

const BASE64: Record<ThreadsBuild, string> = { simd: THREADS_WASM_BASE64, 'relaxed-simd': RELAXED_SIMD_THREADS_WASM_BASE64 };
export const THREADS_FILE: Record<ThreadsBuild, 'dcd-threads.wasm' | 'dcd-relaxed-simd-threads.wasm'> = {
  simd: 'dcd-threads.wasm', 'relaxed-simd': 'dcd-relaxed-simd-threads.wasm',
};

const cached: Partial<Record<ThreadsBuild, Promise<WebAssembly.Module>>> = {};

export function hasEmbeddedThreadsBuild(build: ThreadsBuild): boolean {
  return Boolean(BASE64[build]);
}

export function embeddedThreadsModule(build: ThreadsBuild): Promise<WebAssembly.Module> {
  if (!BASE64[build]) {
    return Promise.reject(new BackendError(`this bundle has no embedded ${build} threads build; pass options.wasm (${THREADS_FILE[build]})`));
  }
  return (cached[build] ??= WebAssembly.compile(decodeBase64(BASE64[build])).catch((e: unknown) => {
    cached[build] = undefined;
    throw new BackendError(`could not compile the embedded ${build} threads build: ${(e as Error)?.message ?? String(e)}`);
  }));
}
