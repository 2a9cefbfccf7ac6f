#!/usr/bin/env node
/**
 * Where the default bundle's JavaScript goes: bundles `import { init } from 'dcd-wasm'; await init()`
 * from the TypeScript sources the way tools/check-package.mjs bundles dist/ (esbuild, minify, browser,
 * esm), with every embedded build '' so only code is counted, and prints the minified bytes per
 * source folder and per file (esbuild's metafile). Sizes differ from the dist bundle by ~2 % (rollup's
 * TypeScript emit), the split between files does not.
 *   node tools/bundle-breakdown.mjs [--top N] [--slim]   (default: the 40 largest files; --slim: the slim
 *   entry's code, without the threads runtime, as rollup.config.mjs builds dist/slim.js)
 */
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const top = argv.includes('--top') ? Number(argv[argv.indexOf('--top') + 1]) : 40;
const BUILDS = ['SIMD', 'SCALAR', 'RELAXED_SIMD', 'THREADS', 'RELAXED_SIMD_THREADS'];
const noWasm = {
  name: 'no-wasm',
  setup(build) {
    build.onResolve({ filter: /^virtual:dcd-wasm\/embedded$/ }, (a) => ({ path: a.path, namespace: 'no-wasm' }));
    build.onLoad({ filter: /.*/, namespace: 'no-wasm' }, () => ({
      contents: BUILDS.map((b) => `export const ${b}_WASM_BASE64 = '';`).join('\n'), loader: 'js',
    }));
  },
};
// --slim: runtime/init.ts's threads starter becomes the stand-in without a worker pool (rollup.config.mjs)
const slimThreads = {
  name: 'slim-threads',
  setup(build) {
    build.onResolve({ filter: /^\.\/threads\/start$/ }, (a) => (a.importer.endsWith('/runtime/init.ts')
      ? { path: fileURLToPath(new URL('../bindings/runtime/threads/start_slim.ts', import.meta.url)) } : undefined));
  },
};
const result = await esbuild.build({
  stdin: { contents: "import { init } from './bindings/index.ts';\nexport const m = await init();\n", resolveDir: root, loader: 'js' },
  bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, plugins: argv.includes('--slim') ? [noWasm, slimThreads] : [noWasm], logLevel: 'error',
});
const inputs = Object.values(result.metafile.outputs)[0].inputs;
const files = Object.entries(inputs)
  .map(([file, { bytesInOutput }]) => [relative(root, file).replace(/^bindings\//, ''), bytesInOutput])
  .filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
const folders = new Map();
for (const [file, bytes] of files) {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  folders.set(folder, (folders.get(folder) ?? 0) + bytes);
}
const row = (bytes, name) => `${String(bytes).padStart(8)}  ${name}`;
console.log(`init() bundle without wasm: ${result.outputFiles[0].contents.length} bytes minified\n\nper folder (bindings/):`);
for (const [folder, bytes] of [...folders].sort((a, b) => b[1] - a[1])) console.log(row(bytes, folder));
console.log(`\nlargest files:`);
for (const [file, bytes] of files.slice(0, top)) console.log(row(bytes, file));
