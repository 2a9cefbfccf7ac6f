/**
 * dist/index.js: the ESM bundle of bindings/index.ts with both wasm builds embedded (base64).
 * dist/types/**: declarations; dist/index.d.ts re-exports them. dist/*.wasm: the raw builds.
 * Run `npm run build:wasm` first (npm run build does both).
 */
import typescript from '@rollup/plugin-typescript';
import embedWasm from './tools/rollup/embed-wasm.mjs';
import copyWasm from './tools/rollup/copy-wasm.mjs';
import dtsEntry from './tools/rollup/dts-entry.mjs';

export default {
  input: 'bindings/index.ts',
  output: { dir: 'dist', format: 'es', entryFileNames: 'index.js', sourcemap: false },
  plugins: [
    embedWasm(),
    typescript({ tsconfig: 'tools/rollup/tsconfig.build.json' }),
    copyWasm(),
    dtsEntry({ from: './types/index.js' }),
  ],
};
