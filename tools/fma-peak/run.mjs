#!/usr/bin/env node
// One core's peak of f32x4.relaxed_madd (4 multiply-adds each): 12 independent accumulator chains,
// enough to hide the FMA latency on two pipes. The ceiling a kernel's GMAC/s is read against: issue 14
// puts DY-Conv's bar at a throughput the whole training step would have to sustain as a share of it.
//   node tools/fma-peak/run.mjs          (compiles madd.ts with the project's asc into build/fma-peak/)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 validates relaxed SIMD only behind it
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'build', 'fma-peak', 'madd.wasm');
mkdirSync(dirname(out), { recursive: true });
execFileSync(join(root, 'node_modules', '.bin', 'asc'),
  [join(root, 'tools', 'fma-peak', 'madd.ts'), '-O3', '--enable', 'simd', '--enable', 'relaxed-simd', '-o', out], { stdio: 'inherit' });
const { instance } = await WebAssembly.instantiate(readFileSync(out), { env: { abort() {} } });
const iterations = Math.floor(2e8 / 12);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const rates = [];
for (let round = 0; round < 8; round++) {
  const t0 = cpuMs();
  instance.exports.madd(iterations, 1.0001);
  rates.push(iterations * 12 * 4 / (cpuMs() - t0) / 1e6);
}
rates.shift(); // the first call runs the baseline tier
rates.sort((a, b) => a - b);
console.log(`f32x4.relaxed_madd, one core: ${rates[rates.length >> 1].toFixed(1)} G multiply-adds/s (median of ${rates.length}; ` +
  `range ${rates[0].toFixed(1)}–${rates[rates.length - 1].toFixed(1)})`);
