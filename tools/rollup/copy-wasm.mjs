/** Rollup plugin: emits build/wasm/*.wasm next to the bundle, for users who load a build themselves. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DEFAULT_DIR = fileURLToPath(new URL('../../build/wasm/', import.meta.url));

export default function copyWasm({
  dir = DEFAULT_DIR, files = ['dcd-simd.wasm', 'dcd-scalar.wasm', 'dcd-relaxed-simd.wasm', 'dcd-threads.wasm'],
  // newer than some build/wasm/ directories: skipped with a warning (npm run test:package insists on it)
  optional = ['dcd-relaxed-simd-threads.wasm'],
} = {}) {
  return {
    name: 'dcd-copy-wasm',
    generateBundle() {
      const path = (name) => `${dir.replace(/\/?$/, '/')}${name}`;
      for (const fileName of [...files, ...optional]) {
        if (optional.includes(fileName) && !existsSync(path(fileName))) {
          this.warn(`${path(fileName)} is missing; run \`npm run build:wasm\` (dist/ will lack it)`);
          continue;
        }
        this.emitFile({ type: 'asset', fileName, source: readFileSync(path(fileName)) });
      }
    },
  };
}
