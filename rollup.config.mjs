/**
 * dist/index.js   the ESM bundle of bindings/index.ts with every wasm build embedded (base64)
 * dist/slim.js    the same API with none embedded: init({ wasm }) names the one build to load, and
 *                 no threads runtime (runtime/threads/start_slim.ts stands in for start.ts)
 * dist/*.cjs      require() entries (load the ESM bundles via require(esm), Node >= 20.19)
 * dist/*.d.ts, *.d.cts   the declarations, bundled into one self-contained file per entry
 * dist/*.wasm, wasm.d.ts the raw builds and the type of importing one
 * Run `npm run build:wasm` first (npm run build does both).
 */
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import embedWasm from './tools/rollup/embed-wasm.mjs';
import copyWasm from './tools/rollup/copy-wasm.mjs';
import cjsEntry from './tools/rollup/cjs-entry.mjs';
import wasmTypes from './tools/rollup/wasm-types.mjs';

/** The slim build: runtime/init.ts's threads starter becomes the stand-in without a worker pool. */
const slimThreads = () => ({
  name: 'slim-threads',
  resolveId(source, importer) {
    if (source !== './threads/start' || !importer?.endsWith('/runtime/init.ts')) return null;
    return this.resolve('./threads/start_slim', importer, { skipSelf: true });
  },
});
const ts = () => typescript({ tsconfig: 'tools/rollup/tsconfig.build.json' });
const js = (name) => ({ dir: 'dist', format: 'es', entryFileNames: `${name}.js`, sourcemap: false });
// The API's types use WebAssembly.Module, BufferSource and Response, which TypeScript declares only in
// lib.dom: referenced here, a Node project without "DOM" in its lib still type-checks.
const DOM_TYPES = '/// <reference lib="dom" />';
const types = (name) => ({
  input: `bindings/${name}.ts`,
  external: [/^virtual:/],
  output: [{ file: `dist/${name}.d.ts`, format: 'es', banner: DOM_TYPES }, { file: `dist/${name}.d.cts`, format: 'es', banner: DOM_TYPES }],
  plugins: [dts({ tsconfig: 'tools/rollup/tsconfig.build.json' })],
});

export default [
  { input: 'bindings/index.ts', output: js('index'), plugins: [embedWasm(), ts(), copyWasm(), wasmTypes(), cjsEntry({ name: 'index' })] },
  { input: 'bindings/slim.ts', output: js('slim'), plugins: [slimThreads(), embedWasm({ empty: true }), ts(), cjsEntry({ name: 'slim' })] },
  types('index'),
  types('slim'),
];
