/**
 * Bundles every suite (tests/runners/suites.mjs) into one runtime-neutral ES module,
 * build/tests/suite.mjs, exporting `run(options)` from the mini-vitest harness. 'vitest' is aliased
 * to tests/harness/mini-vitest.ts, the wasm is embedded by B1's plugin, JSON fixtures are inlined.
 * Usage: node tests/runners/bundle.mjs   (or import { bundleSuites } from here)
 */
import { rollup } from 'rollup';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import json from '../../tools/rollup/json.mjs';
import typescript from './typescript-plugin.mjs';
import { listSuiteFiles, repoRoot } from './suites.mjs';

const ENTRY = '\0dcd-tests:entry';
const FILE_MARKER = '\0dcd-tests:file:';
export const suiteBundle = join(repoRoot, 'build/tests/suite.mjs');

/** Entry: for each file, a marker module (starts the file's root suite) then the file itself. */
function entryPlugin(files) {
  const harness = join(repoRoot, 'tests/harness/mini-vitest.ts');
  return {
    name: 'dcd-tests-entry',
    resolveId(source) {
      if (source === 'vitest') return harness;
      if (source === ENTRY || source.startsWith(FILE_MARKER)) return source;
      return null;
    },
    load(id) {
      if (id === ENTRY) {
        const imports = files.flatMap((f) => [
          `import ${JSON.stringify(FILE_MARKER + f)};`,
          `import ${JSON.stringify(join(repoRoot, f))};`,
        ]);
        return `${imports.join('\n')}\nexport { run } from ${JSON.stringify(harness)};\n`;
      }
      if (id.startsWith(FILE_MARKER)) {
        return `import { enterFile } from ${JSON.stringify(harness)};\nenterFile(${JSON.stringify(id.slice(FILE_MARKER.length))});\n`;
      }
      return null;
    },
  };
}

async function embedWasmPlugin() {
  const path = join(repoRoot, 'tools/rollup/embed-wasm.mjs');
  if (!existsSync(path)) {
    // Only suites importing the bindings need it; rollup then reports the unresolved virtual module.
    console.warn(`warning: ${path} is missing; 'virtual:dcd-wasm/embedded' will not resolve`);
    return null;
  }
  const mod = await import(pathToFileURL(path).href);
  const factory = mod.default ?? mod.embedWasm;
  if (typeof factory !== 'function') throw new Error('tools/rollup/embed-wasm.mjs exports no plugin factory');
  return factory();
}

export async function bundleSuites() {
  const files = listSuiteFiles();
  if (files.length === 0) throw new Error('no test files found under tests/bindings or tests/harness');
  const bundle = await rollup({
    input: ENTRY,
    plugins: [entryPlugin(files), await embedWasmPlugin(), json(), typescript()],
    onwarn(warning, warn) {
      // Circular imports inside the bindings are legal ESM; everything else is worth seeing.
      if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning);
    },
  });
  try {
    await bundle.write({ file: suiteBundle, format: 'es', inlineDynamicImports: true, sourcemap: true });
  } finally {
    await bundle.close();
  }
  return { file: suiteBundle, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { file, files } = await bundleSuites();
  console.log(`bundled ${files.length} test files into ${file}`);
}
