// Timing helpers for benchmarks: interleaved rounds and medians, so that every engine sees the same
// machine conditions (thermal state, the other core's load) and one slow round cannot skew a result.

const wallClock = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

/**
 * Process CPU time in ms (Node): on a machine shared with other work, wall-clock time includes the
 * time this process waited for a core; CPU time does not. Only meaningful for single-threaded engines.
 */
const cpuClock = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export const CLOCKS = { wall: wallClock, cpu: cpuClock };

/** Calls fn until at least `minMs` have passed on `clock` (at least once); returns ms per call. */
export function timeOnce(fn, minMs, clock = wallClock) {
  let calls = 0;
  const start = clock();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = clock() - start;
  } while (elapsed < minMs);
  return elapsed / calls;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs `rounds` rounds; in each round every engine is timed once, in rotating order.
 * engines: { name: () => void }. Returns { name: median ms per call }.
 * `budgetMs` caps the total time: slow engines (the JS reference on big shapes) get fewer rounds.
 */
export function interleaved(engines, { rounds = 7, minMs = 25, warmup = 1, budgetMs = 20000, clock = 'wall' } = {}) {
  const read = CLOCKS[clock];
  if (!read) throw new Error(`interleaved: clock must be 'wall' or 'cpu', got ${clock}`);
  const names = Object.keys(engines);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < warmup; i++) engines[n]();
  const start = wallClock();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      samples[n].push(timeOnce(engines[n], minMs, read));
    }
    if (r >= 2 && wallClock() - start > budgetMs) break; // at least 3 rounds, then respect the budget
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}
