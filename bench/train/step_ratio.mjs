#!/usr/bin/env node
// DCD's (and DY-Conv's) price in training against the static network (issue 14's "DCD's training step
// ≤ 1.15× the static network's"), on its own: bench/train/step_ratios.mjs (every variant's step in
// each round of one process, CPU time, per-round ratios), the same measurement bench:train makes for
// its step-ratio column, without PyTorch, TF.js and the throughput rounds.
//
//   node bench/train/step_ratio.mjs [--variants static,dy,dcd] [--rounds 9] [--steps 3] [--backend wasm-simd]
// Needs dist/ (npm run build). Default backend: relaxed SIMD where it validates (Node 20 re-runs this
// script with --experimental-wasm-relaxed-simd), else SIMD. One thread (the target's).
import { trainToolArgs } from './cli.mjs';
import { measureStepRatios } from './step_ratios.mjs';

const { variants, rounds, backend, batch, count } = trainToolArgs(import.meta.url, {
  rounds: 9, options: { steps: { type: 'string', default: '3' } },
});
const steps = count('steps', 1);
const lib = await import('../../dist/index.js');

console.log(`training step, batch ${batch.shape[0]}, ${backend}, 1 thread: ${rounds} rounds of ${steps} steps per variant, CPU time`);
const result = await measureStepRatios(lib, backend, variants, batch, { rounds, steps, onRound: (r) => process.stdout.write(`\rround ${r + 1}/${rounds}`) });
process.stdout.write('\n');
for (const [variant, r] of Object.entries(result)) {
  console.log(`${variant.padEnd(7)} ${r.ms.toFixed(1).padStart(7)} ms/step  ${r.ratio.toFixed(3)}× static (median of the rounds' ratios)` +
    `  (rounds ${r.min.toFixed(0)}–${r.max.toFixed(0)} ms)`);
}
