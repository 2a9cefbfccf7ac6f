// Interleaved rounds with a per-engine budget: in round r every engine still due (r < its rounds) is
// timed once, in rotating order, so all of them share the machine's conditions; the result is each
// engine's median. Engines differ by orders of magnitude (a tfjs-backend-cpu training step at batch 64
// takes minutes, ours a fraction of a second), so each has its own rounds and minimum time per sample
// (fast engines repeat their call until minMs have passed; slow ones run exactly once per round).
import { timeOnce, median } from '../lib/timing.mjs';

/**
 * engines: { name: { run: () => void, rounds, minMs } } — wall clock (the 2-thread engine needs it).
 * onSample(name, round, ms) reports progress. Returns { name: { ms (median per call), samples: [ms] } }.
 */
export function interleavedRounds(engines, onSample = () => {}) {
  const names = Object.keys(engines);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const total = Math.max(...names.map((n) => engines[n].rounds));
  for (let r = 0; r < total; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      if (r >= engines[n].rounds) continue;
      const ms = timeOnce(engines[n].run, engines[n].minMs);
      samples[n].push(ms);
      onSample(n, r, ms);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ms: median(samples[n]), samples: samples[n] }]));
}
