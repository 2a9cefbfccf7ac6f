// Self time per WebAssembly kernel: runs a Node script under V8's sampling profiler (--cpu-prof) and
// names the `wasm-function[i]` frames from the build's .wat (function i = the i-th `(func` there; the
// modules import no functions). For "where does this conv spend its time" questions: the profile of
// a relaxed 3×3 64→64 @56² conv, for example, splits micro-kernel, im2col packing and driver time.
//
//   node tools/profile-kernels.mjs [--wat build/wasm/dcd-simd.wat] [--top 15] -- [node flags] script.mjs [args]
//
// The script must load the build the .wat belongs to (dist/ after `npm run build`, which writes both).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
if (split < 0 || split === argv.length - 1) {
  console.error('usage: node tools/profile-kernels.mjs [--wat FILE] [--top N] -- [node flags] script.mjs [args]');
  process.exit(2);
}
const own = argv.slice(0, split), run = argv.slice(split + 1);
const option = (name, fallback) => (own.includes(name) ? own[own.indexOf(name) + 1] : fallback);
const watFile = option('--wat', 'build/wasm/dcd-simd.wat');
const top = Number(option('--top', 15));

const names = readFileSync(watFile, 'utf8').split('\n')
  .filter((line) => line.startsWith(' (func ')).map((line) => line.split(' ')[2]);
const dir = mkdtempSync(join(tmpdir(), 'dcd-prof-'));
const child = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ...run],
  { stdio: ['ignore', 'ignore', 'inherit'] });
if (child.status !== 0) {
  console.error(`the profiled script exited with ${child.status}`);
  process.exit(1);
}
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))), 'utf8'));
rmSync(dir, { recursive: true });

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
profile.samples.forEach((id, i) => {
  const frame = nodes.get(id).callFrame;
  const wasm = /wasm-function\[(\d+)\]/.exec(frame.functionName);
  const name = wasm ? names[Number(wasm[1])] ?? frame.functionName : frame.functionName || frame.url.split('/').pop() || '(anonymous)';
  self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`self time of ${(total / 1e3).toFixed(0)} ms sampled (${watFile}):`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(100 * us / total).toFixed(1).padStart(6)}%  ${name}`);
}
