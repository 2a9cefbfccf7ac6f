/** Rollup plugin: emits build/wasm/*.wasm next to the bundle, for users who load a build themselves. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DEFAULT_DIR = fileURLToPath(new URL('../../build/wasm/', import.meta.url));

export default function copyWasm({ dir = DEFAULT_DIR, files = ['dcd-simd.wasm', 'dcd-scalar.wasm', 'dcd-relaxed-simd.wasm', 'dcd-threads.wasm',
  'dcd-relaxed-simd-threads.wasm'] } = {}) {
  return {
    name: 'dcd-copy-wasm',
    generateBundle() {
      for (const fileName of files) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(`${dir.replace(/\/?$/, '/')}${fileName}`) });
      }
    },
  };
}
