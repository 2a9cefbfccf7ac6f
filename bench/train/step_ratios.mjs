// Each variant's training step ÷ the static network's, measured so that a load spike hits every
// variant alike: every variant on its own init() (its own linear memory, as separate models would be)
// in ONE process, one block of `steps` steps of each in turn per round, process CPU time, and the
// ratio taken per round (the same round's static block) before the median. Medians of separate time
// windows on the wall clock moved between 1.12× and 1.39× for one build within ten minutes on this
// shared 2-core VM; per-round ratios on CPU time did not.
// Used by bench/train/step_ratio.mjs (the command-line tool) and bench:train (its step-ratio column
// and the issue-14 target line).
import { median } from '../lib/timing.mjs';
import { makeTrainStep } from './workload.mjs';

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/**
 * { variant: { ms, ratio, min, max } }: median ms per step, the median of the per-round ratios to
 * static, and the fastest and slowest round. `batch`: NCHW Float32Array of the workload.
 */
export async function measureStepRatios(lib, backend, variants, batch, { rounds = 9, steps = 3, onRound = () => {} } = {}) {
  if (!variants.includes('static')) throw new Error('step ratios: the variants must include static (the ratios are against it)');
  const runs = [];
  try {
    for (const variant of variants) {
      const m = await lib.init({ backend });
      runs.push({ variant, m, ...makeTrainStep(lib, m, variant, batch), times: [] });
    }
    for (const r of runs) for (let i = 0; i < 2; i++) r.step(); // V8 tiers the kernels up on their first calls
    for (let round = 0; round < rounds; round++) {
      for (const r of runs) {
        const t0 = cpuMs();
        for (let i = 0; i < steps; i++) r.step();
        r.times.push((cpuMs() - t0) / steps);
      }
      onRound(round);
    }
    const base = runs.find((r) => r.variant === 'static').times;
    return Object.fromEntries(runs.map((r) => [r.variant, {
      ms: median(r.times), ratio: median(r.times.map((t, i) => t / base[i])), min: Math.min(...r.times), max: Math.max(...r.times),
    }]));
  } finally {
    for (const r of runs) { r.dispose(); r.m.dispose(); }
  }
}
