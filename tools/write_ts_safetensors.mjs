/**
 * Writes tests/fixtures/io/ts_written.safetensors with OUR writer (bindings/io/safetensors.ts), so
 * tools/test_convert_checkpoint.py can check that PyTorch reads what the TypeScript side writes.
 *
 * Usage: node tools/write_ts_safetensors.mjs [OUT]   (no build needed: the .ts files are transpiled
 * on the fly with the project's typescript). The values follow formulas the Python test recomputes.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** Imports a .ts module of this repo: transpiles it and its relative imports into a temp folder. */
export async function importTs(entry) {
  const outRoot = mkdtempSync(join(tmpdir(), 'dcd-ts-'));
  const seen = new Set();
  const emit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    let js = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
    }).outputText;
    js = js.replace(/(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g, (_, lead, q, spec) => {
      emit(resolve(dirname(file), `${spec}.ts`));
      return `${lead}${q}${spec}.js${q}`;
    });
    const out = join(outRoot, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  };
  const file = resolve(repoRoot, entry);
  emit(file);
  try {
    return await import(pathToFileURL(join(outRoot, relative(repoRoot, file)).replace(/\.ts$/, '.js')).href);
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

/** The tensors of the fixture; tools/test_convert_checkpoint.py recomputes them with the same formulas. */
export function fixtureTensors() {
  const ramp = (n, scale, shift) => Float32Array.from({ length: n }, (_, i) => i * scale + shift);
  return {
    'conv.weight': { shape: [4, 2, 3, 3], data: ramp(72, 0.37, -1.5) },
    'bn.running_var': { shape: [4], data: ramp(4, 0.25, 1) },
    'bn.bias': { shape: [4], data: ramp(4, -0.125, 0.5) },
    // Bit patterns a careless writer breaks: -0, ±inf, NaN, the smallest subnormal, the largest float.
    special: { shape: [2, 3], data: new Float32Array([-0, Infinity, -Infinity, NaN, 1.401298464324817e-45, 3.4028234663852886e38]) },
    'fc.weight': { shape: [3, 5], data: ramp(15, 1 / 3, -2) },
    empty: { shape: [0, 4], data: new Float32Array(0) },
    scalar: { shape: [], data: new Float32Array([42.5]) },
  };
}

export const FIXTURE_METADATA = { format: 'pt', writer: 'dcd-wasm bindings/io/safetensors.ts' };

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? join(repoRoot, 'tests/fixtures/io/ts_written.safetensors');
  const { writeSafetensors } = await importTs('bindings/io/safetensors.ts');
  const bytes = writeSafetensors(fixtureTensors(), FIXTURE_METADATA);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
