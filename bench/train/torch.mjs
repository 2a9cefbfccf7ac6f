// The PyTorch column: tools/bench_train_torch.py (the same network in PyTorch, one thread, its own
// timing loop) in its own process, run before this library and TensorFlow.js are timed. Optional: without
// PyTorch for Debian's python3 (or PYTHON) the column says so and the bench goes on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../tools/bench_train_torch.py', import.meta.url));
const DEFAULT_DCD_REPO = '/work/.mirror/liyunsheng13+dcd/repo';
export const NO_TORCH = 'n/a (install python3-torch)';

/** { ok: true, result (the script's JSON), note } or { ok: false, cell (for the table), note } — never throws. */
export function runTorchBench({ variants, batch, seconds }) {
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, cell: NO_TORCH, note: `${NO_TORCH}: ${python} cannot import torch` };
  const dcdRepo = process.env.DCD_REPO ?? (existsSync(DEFAULT_DCD_REPO) ? DEFAULT_DCD_REPO : null);
  // the dcd variant needs the official conv_basic_dy (a git mirror of liyunsheng13/dcd in DCD_REPO)
  const runnable = variants.filter((v) => v !== 'dcd' || dcdRepo);
  const skipped = variants.filter((v) => !runnable.includes(v));
  if (!runnable.length) return { ok: false, cell: 'n/a (no DCD_REPO)', note: 'n/a (the dcd variant needs DCD_REPO, a git mirror of github.com/liyunsheng13/dcd)' };
  const run = spawnSync(python, [SCRIPT, '--variants', runnable.join(','), '--batch', String(batch), '--seconds', String(seconds), '--threads', '1'], {
    encoding: 'utf8', env: { ...process.env, ...(dcdRepo ? { DCD_REPO: dcdRepo } : {}) }, maxBuffer: 1 << 24,
  });
  if (run.status !== 0) return { ok: false, cell: 'n/a (script failed)', note: `n/a (tools/bench_train_torch.py failed: ${(run.stderr || '').trim().split('\n').at(-1)})` };
  const result = JSON.parse(run.stdout);
  return {
    ok: true, result,
    note: `PyTorch ${result.torch}, ${result.threads} thread, its own process before the others, ${seconds} s per measurement` +
      (skipped.length ? `; ${skipped.join(', ')} skipped (no DCD_REPO)` : ''),
  };
}
