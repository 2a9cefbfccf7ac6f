// The ONNX exports bench:nets needs (13–115 MB each, not committed): build/onnx/<file>.onnx, .json (the
// PyTorch logits of the first image) and .safetensors (the calibrated weights). When any is missing this
// runs tools/fixtures/export_onnx.py, which needs PyTorch (Debian's /usr/bin/python3 has 1.13; PYTHON
// overrides) and the official DCD repository (DCD_REPO). Without them it says what is missing and why;
// the caller then skips ONNX Runtime and times this library on its own seeded weights (seededWeights).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ONNX_DIR = join(REPO_ROOT, 'build', 'onnx');
const EXPORTER = join(REPO_ROOT, 'tools', 'fixtures', 'export_onnx.py');
const EXTENSIONS = ['onnx', 'json', 'safetensors'];

export const exportPaths = (file) => Object.fromEntries(EXTENSIONS.map((e) => [e, join(ONNX_DIR, `${file}.${e}`)]));

/**
 * Makes sure every file of `files` is exported. Returns { ok: true, note } or { ok: false, note } with
 * the reason and how to fix it.
 */
export function ensureExports(files, log = console.log) {
  const missing = files.filter((f) => Object.values(exportPaths(f)).some((p) => !existsSync(p)));
  if (!missing.length) return { ok: true, note: `exports found in build/onnx/ (re-export: delete them or run ${EXPORTER.slice(REPO_ROOT.length + 1)})` };
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const why = [];
  // torch.onnx.export (1.13) serialises in C++: PyTorch alone is enough, no 'onnx' package.
  const probe = spawnSync(python, ['-c', 'import torch.onnx'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    why.push(probe.error ? `${python} not found (set PYTHON to a Python with PyTorch)`
      : `${python} cannot import torch.onnx (Debian: apt-get install python3-torch, then use /usr/bin/python3; or set PYTHON)`);
  }
  if (!process.env.DCD_REPO) why.push('DCD_REPO is not set (a clone of https://github.com/liyunsheng13/dcd: the official DCD modules the exports are built from)');
  else if (!existsSync(process.env.DCD_REPO)) why.push(`DCD_REPO=${process.env.DCD_REPO} does not exist`);
  if (why.length) {
    return {
      ok: false,
      note: `missing ${missing.map((f) => `${f}.*`).join(', ')} in build/onnx/ and cannot export them: ${why.join('; ')}. ` +
        'ONNX Runtime is skipped; this library is timed on its own seeded weights (BatchNorm calibrated on 16 hash images, build/nets-seeded/).',
    };
  }
  log(`bench:nets: exporting ${missing.join(', ')} with ${python} ${EXPORTER.slice(REPO_ROOT.length + 1)} (PyTorch, one thread; a few minutes)…`);
  const run = spawnSync(python, [EXPORTER, ONNX_DIR], { stdio: 'inherit', env: process.env });
  const still = files.filter((f) => Object.values(exportPaths(f)).some((p) => !existsSync(p)));
  if (run.status !== 0 || still.length) {
    return { ok: false, note: `the exporter failed (status ${run.status ?? run.error?.message}); missing: ${still.join(', ') || 'none'}. ONNX Runtime is skipped.` };
  }
  return { ok: true, note: `exported now by ${EXPORTER.slice(REPO_ROOT.length + 1)}` };
}

export const SEEDED_DIR = join(REPO_ROOT, 'build', 'nets-seeded');
const CALIBRATE_BATCH = 16; // as the exporter: BatchNorm1d inside DCD on a smaller batch leaves eval mode unstable

/**
 * Without the exports: the library's own seeded weights for `file`, BatchNorm's statistics taken in train
 * mode (momentum 1 = that batch's) on the hash batch 'input.calibrate' of 16 images, as the exporter
 * does, written once to build/nets-seeded/<file>.safetensors so the timed instances and the cold start
 * load a file exactly as with the exports. Calibrated in a throwaway instance, so that the training
 * forward's activations do not count in the timed instances' peak memory.
 */
export async function seededWeights(lib, file, make, hashInput, size, log) {
  const path = join(SEEDED_DIR, `${file}.safetensors`);
  if (existsSync(path)) return path;
  log(`bench:nets: calibrating the seeded ${file} on ${CALIBRATE_BATCH} images (once; build/nets-seeded/) …`);
  const m = await lib.init({ backend: 'wasm-simd' });
  const net = make(lib, m);
  const shape = [CALIBRATE_BATCH, 3, size, size];
  m.scope(() => lib.calibrateBatchNorm(net, m.tensor(hashInput('input.calibrate', shape.reduce((a, b) => a * b)), shape)));
  const bytes = lib.safetensorsFromStateDict(net.stateDict(), { generator: 'bench/nets (seeded weights, calibrated)', network: file });
  net.dispose();
  m.dispose();
  mkdirSync(SEEDED_DIR, { recursive: true });
  writeFileSync(path, bytes);
  return path;
}
