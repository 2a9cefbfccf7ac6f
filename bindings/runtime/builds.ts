/**
 * Which wasm build a backend choice means: picking the embedded build for a choice, and naming the
 * build a loaded module is (from its simdEnabled() / relaxedSimdEnabled() exports).
 * 'auto' prefers relaxed SIMD (fused multiply-add) > SIMD > scalar, as far as the runtime validates.
 */
import type { BackendName } from '../backend';
import { BackendError } from '../errors';
import type { KernelExports } from '../backends/wasm/exports';
import { relaxedSimdSupported, simdSupported } from './features';
import { hasEmbeddedBuild, type EmbeddedBuild } from './source';

type WasmBackendName = Exclude<BackendName, 'js'>;

const BUILD_OF: Record<WasmBackendName, EmbeddedBuild> = {
  'wasm-relaxed-simd': 'relaxed-simd',
  'wasm-simd': 'simd',
  'wasm-scalar': 'scalar',
};

const LABEL: Record<WasmBackendName, string> = {
  'wasm-relaxed-simd': 'relaxed-SIMD',
  'wasm-simd': 'SIMD',
  'wasm-scalar': 'scalar',
};

/**
 * The build to load for `choice` ('auto' or a wasm backend); BackendError if the runtime can't run it.
 * needEmbedded: 'auto' skips a build the bundle lacks (false when the user's resolver supplies it).
 */
export function embeddedBuildFor(op: string, choice: 'auto' | WasmBackendName, needEmbedded = true): EmbeddedBuild {
  if (choice === 'auto') {
    if (relaxedSimdSupported() && (!needEmbedded || hasEmbeddedBuild('relaxed-simd'))) return 'relaxed-simd';
    return simdSupported() ? 'simd' : 'scalar';
  }
  if (choice === 'wasm-simd' && !simdSupported()) {
    throw new BackendError(`${op}: backend 'wasm-simd' requested but this runtime does not support WebAssembly SIMD; ` +
      "use 'wasm-scalar' or 'auto'");
  }
  if (choice === 'wasm-relaxed-simd' && !relaxedSimdSupported()) {
    throw new BackendError(`${op}: backend 'wasm-relaxed-simd' requested but this runtime does not support ` +
      "WebAssembly relaxed SIMD (Node 20 needs `node --experimental-wasm-relaxed-simd`); use 'wasm-simd' or 'auto'");
  }
  return BUILD_OF[choice];
}

/** The backend a loaded build implements; BackendError if it is not the one `choice` asked for. */
export function backendOfBuild(op: string, exports: KernelExports, choice: 'auto' | WasmBackendName): WasmBackendName {
  const simd = exports.simdEnabled() === 1;
  const relaxed = exports.relaxedSimdEnabled?.() === 1;
  const actual: WasmBackendName = relaxed ? 'wasm-relaxed-simd' : simd ? 'wasm-simd' : 'wasm-scalar';
  if (choice !== 'auto' && choice !== actual) {
    throw new BackendError(`${op}: backend '${choice}' requested but the given wasm is the ${LABEL[actual]} build ` +
      `(simdEnabled() = ${simd ? 1 : 0}, relaxedSimdEnabled() = ${relaxed ? 1 : 0})`);
  }
  return actual;
}
