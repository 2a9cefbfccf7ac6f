/**
 * Rollup (and Vite) plugin: resolves `virtual:dcd-wasm/embedded` to a module exporting the wasm
 * builds (SIMD, scalar, relaxed SIMD) as base64 strings, read from build/wasm/ at build time. The
 * bindings decode them with atob, which every supported runtime has, so the bundle needs no file
 * access or fetch at run time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EMBEDDED_ID = 'virtual:dcd-wasm/embedded';
const RESOLVED_ID = `\0${EMBEDDED_ID}`;
const DEFAULT_DIR = fileURLToPath(new URL('../../build/wasm/', import.meta.url));

/**
 * @param {{ dir?: string, simd?: string, scalar?: string, relaxed?: string, threads?: string, relaxedThreads?: string,
 *   empty?: boolean }} [options]
 *   where the builds are; empty: embed none (every export '')
 */
export default function embedWasm({
  dir = DEFAULT_DIR, simd = 'dcd-simd.wasm', scalar = 'dcd-scalar.wasm', relaxed = 'dcd-relaxed-simd.wasm',
  threads = 'dcd-threads.wasm', relaxedThreads = 'dcd-relaxed-simd-threads.wasm', empty = false,
} = {}) {
  const read = (ctx, name, { optional = false } = {}) => {
    if (empty) return ''; // the slim entry: no build embedded, init({ wasm }) supplies one
    const path = `${dir.replace(/\/?$/, '/')}${name}`;
    ctx.addWatchFile?.(path);
    try {
      return readFileSync(path).toString('base64');
    } catch (err) {
      if (optional && err.code === 'ENOENT') {
        ctx.warn(`dcd-embed-wasm: ${path} is missing; embedding none (threads use the SIMD build)`);
        return '';
      }
      ctx.error(`dcd-embed-wasm: cannot read ${path} (${err.code ?? err.message}); run \`npm run build:wasm\` first`);
    }
  };
  return {
    name: 'dcd-embed-wasm',
    resolveId(id) {
      return id === EMBEDDED_ID ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      return [
        `export const SIMD_WASM_BASE64 = ${JSON.stringify(read(this, simd))};`,
        `export const SCALAR_WASM_BASE64 = ${JSON.stringify(read(this, scalar))};`,
        `export const RELAXED_SIMD_WASM_BASE64 = ${JSON.stringify(read(this, relaxed))};`,
        // the multi-threaded build (SIMD + shared memory), started by init({ threads })
        `export const THREADS_WASM_BASE64 = ${JSON.stringify(read(this, threads))};`,
        // optional: a build/wasm/ from before this target existed still bundles ('' = not embedded)
        `export const RELAXED_SIMD_THREADS_WASM_BASE64 = ${JSON.stringify(read(this, relaxedThreads, { optional: true }))};`,
      ].join('\n');
    },
  };
}

export { embedWasm };
