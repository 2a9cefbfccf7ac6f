#!/usr/bin/env node
// DCD's (and DY-Conv's) price in training against the static network (issue 14's "DCD's training step
// ≤ 1.15× the static network's"), measured so that a load spike hits every variant alike: the
// bench:train step of each variant on one init() in ONE process, one step of each in turn per round,
// process CPU time, medians. bench:train's own "step time ÷ static" column divides medians taken in
// different time windows (one variant after another) on the wall clock, and on this shared 2-core VM
// it moved between 1.12× and 1.39× for the same build within ten minutes; this script's did not.
//
//   node bench/train/step_ratio.mjs [--variants static,dy,dcd] [--rounds 9] [--steps 3] [--backend wasm-simd]
// Needs dist/ (npm run build). Default backend: relaxed SIMD where it validates (Node 20 re-runs this
// script with --experimental-wasm-relaxed-simd), else SIMD. One thread (the target's).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fastestWasmBackend, reexecWithRelaxedSimd } from '../peers/relaxed.mjs';
import { VARIANTS, makeBatch, makeTrainStep } from './workload.mjs';

const { values: opt } = parseArgs({
  options: {
    variants: { type: 'string', default: VARIANTS.join(',') }, rounds: { type: 'string', default: '9' },
    steps: { type: 'string', default: '3' }, backend: { type: 'string' }, batch: { type: 'string', default: '64' },
  },
});
reexecWithRelaxedSimd(fileURLToPath(import.meta.url), process.argv.slice(2));
const lib = await import('../../dist/index.js');
const backend = opt.backend ?? fastestWasmBackend();
const rounds = Number(opt.rounds), steps = Number(opt.steps);
const variants = opt.variants.split(',');
if (!variants.includes('static')) throw new Error('--variants must include static (the ratios are against it)');
const batch = makeBatch(Number(opt.batch)).nchw;

// each variant on its own module instance (its own linear memory), as separate models would be
const runs = [];
for (const variant of variants) {
  const m = await lib.init({ backend });
  runs.push({ variant, m, ...makeTrainStep(lib, m, variant, batch), times: [] });
}
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const r of runs) for (let i = 0; i < 2; i++) r.step(); // V8 tiers the kernels up on their first calls

console.log(`training step, batch ${opt.batch}, ${backend}, 1 thread: ${rounds} rounds of ${steps} steps per variant, CPU time`);
for (let round = 0; round < rounds; round++) {
  for (const r of runs) {
    const t0 = cpuMs();
    for (let i = 0; i < steps; i++) r.step();
    r.times.push((cpuMs() - t0) / steps);
  }
  process.stdout.write(`\rround ${round + 1}/${rounds}`);
}
process.stdout.write('\n');
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = median(runs.find((r) => r.variant === 'static').times);
for (const r of runs) {
  const ms = median(r.times);
  console.log(`${r.variant.padEnd(7)} ${ms.toFixed(1).padStart(7)} ms/step  ${(ms / base).toFixed(3)}× static` +
    `  (rounds ${Math.min(...r.times).toFixed(0)}–${Math.max(...r.times).toFixed(0)} ms)`);
  r.dispose();
  r.m.dispose();
}
