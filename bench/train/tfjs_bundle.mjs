// TensorFlow.js for training in Node: tfjs-core's CommonJS build (its package "main") registers no
// gradients — the @tensorflow/tfjs package pulls them in with `import '@tensorflow/tfjs-core/dist/
// register_all_gradients'`, an ES module tree with extensionless imports that Node cannot load. So,
// as a tfjs user's bundler would, esbuild bundles tfjs-core + its gradients + tfjs-backend-cpu (ES
// module builds, one copy of tfjs-core) from bench/peers/node_modules into build/bench-train/ once.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const peers = fileURLToPath(new URL('../peers/node_modules/', import.meta.url));
const out = fileURLToPath(new URL('../../build/bench-train/tfjs-cpu.mjs', import.meta.url));
const ENTRY = [
  "export * from '@tensorflow/tfjs-core';",
  "import '@tensorflow/tfjs-core/dist/register_all_gradients';",
  "import '@tensorflow/tfjs-backend-cpu';",
].join('\n');

/** The bundle's module namespace (tfjs-core's API with the cpu backend registered and every gradient). */
export async function importTfjsCpu() {
  const lock = `${peers}.package-lock.json`;
  if (!existsSync(out) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(out).mtimeMs)) {
    const esbuild = await import('esbuild');
    mkdirSync(fileURLToPath(new URL('.', pathToFileURL(out))), { recursive: true });
    await esbuild.build({
      stdin: { contents: ENTRY, resolveDir: peers, loader: 'js' },
      bundle: true, format: 'esm', platform: 'node', mainFields: ['module', 'main'], outfile: out, logLevel: 'error',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  }
  return import(pathToFileURL(out).href);
}
