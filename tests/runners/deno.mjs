/**
 * `npm run test:deno`: bundles the suites and runs them under node_modules/.bin/deno with no
 * permissions (the wasm is embedded in the bundle). Exit code: Deno's, or 1 on timeout.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bundleSuites } from './bundle.mjs';
import { repoRoot } from './suites.mjs';

const TIMEOUT_MS = 10 * 60_000;

await bundleSuites();
const deno = join(repoRoot, 'node_modules/.bin/deno');
const child = spawn(deno, ['run', '--no-config', '--no-lock', '--no-prompt', join(repoRoot, 'tests/runners/deno-main.mjs')], {
  stdio: 'inherit',
  env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
});
const timer = setTimeout(() => {
  console.error(`Deno: timed out after ${TIMEOUT_MS / 1000} s`);
  child.kill('SIGKILL');
}, TIMEOUT_MS);
child.on('error', (err) => {
  console.error(`Deno: could not start ${deno}: ${err.message}`);
  process.exitCode = 1;
});
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exitCode = code ?? (signal ? 1 : 0) ?? 1;
  if (signal) process.exitCode = 1;
});
