// interleaved() for engines whose call may return a promise (ONNX Runtime Web's session.run):
// same rounds, rotation, medians and budget as timing.mjs. Synchronous engines are not awaited, so
// they pay no microtask cost.
//
// Clocks: every sample is read on both clocks of timing.mjs (wall and process CPU time); `clock`
// picks the one that decides how long a sample runs and which median is reported, and `clockOf`
// overrides it per engine. Process CPU time counts every thread of the process, so a multi-threaded
// engine must be timed on the wall clock (its CPU time is the sum over its threads).
import { median, CLOCKS } from './timing.mjs';

async function call(fn) {
  const r = fn();
  if (r && typeof r.then === 'function') await r;
}

/** Calls fn until at least `minMs` have passed on `clock` (at least once); returns ms per call on both clocks. */
export async function timeOnceAsync(fn, minMs, clock = 'wall') {
  const read = CLOCKS[clock];
  let calls = 0;
  const wall0 = CLOCKS.wall(), cpu0 = CLOCKS.cpu(), start = read();
  do {
    await call(fn);
    calls++;
  } while (read() - start < minMs);
  return { wall: (CLOCKS.wall() - wall0) / calls, cpu: (CLOCKS.cpu() - cpu0) / calls };
}

/**
 * engines: { name: () => void | Promise }. Returns { ms, wall, cpu, wallBest, clockOf, samples }: medians
 * per call on the engine's clock (ms), on the wall clock and on the CPU clock, the fastest sample on the
 * wall clock, which clock each engine used, and every engine's samples ({ wall, cpu } ms per call) in
 * round order — sample r of two engines are from the same round, for ratios paired by round.
 */
export async function interleavedAsyncClocks(engines, { rounds = 7, minMs = 25, warmup = 1, budgetMs = 20000, clock = 'wall', clockOf = {} } = {}) {
  const names = Object.keys(engines);
  const clocks = Object.fromEntries(names.map((n) => [n, clockOf[n] ?? clock]));
  for (const [n, c] of Object.entries(clocks)) if (!CLOCKS[c]) throw new Error(`interleavedAsync: clock of ${n} must be 'wall' or 'cpu', got ${c}`);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < warmup; i++) await call(engines[n]);
  const start = CLOCKS.wall();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      samples[n].push(await timeOnceAsync(engines[n], minMs, clocks[n]));
    }
    if (r >= 2 && CLOCKS.wall() - start > budgetMs) break; // at least 3 rounds, then respect the budget
  }
  const medians = (c) => Object.fromEntries(names.map((n) => [n, median(samples[n].map((s) => s[c]))]));
  const wall = medians('wall'), cpu = medians('cpu');
  const wallBest = Object.fromEntries(names.map((n) => [n, Math.min(...samples[n].map((s) => s.wall))]));
  return { ms: Object.fromEntries(names.map((n) => [n, clocks[n] === 'cpu' ? cpu[n] : wall[n]])), wall, cpu, wallBest, clockOf: clocks, samples };
}

/** engines: { name: () => void | Promise }. Returns { name: median ms per call } on `clock` (default wall). */
export async function interleavedAsync(engines, options = {}) {
  return (await interleavedAsyncClocks(engines, options)).ms;
}
