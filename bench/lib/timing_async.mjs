// interleaved() for engines whose call may return a promise (ONNX Runtime Web's session.run):
// same rounds, rotation, medians and budget as timing.mjs. Synchronous engines are not awaited, so
// they pay no microtask cost.
import { median } from './timing.mjs';

const now = () => performance.now();

async function call(fn) {
  const r = fn();
  if (r && typeof r.then === 'function') await r;
}

/** Calls fn until at least `minMs` have passed (at least once); returns ms per call. */
export async function timeOnceAsync(fn, minMs) {
  let calls = 0;
  const start = now();
  let elapsed = 0;
  do {
    await call(fn);
    calls++;
    elapsed = now() - start;
  } while (elapsed < minMs);
  return elapsed / calls;
}

/** engines: { name: () => void | Promise }. Returns { name: median ms per call }. */
export async function interleavedAsync(engines, { rounds = 7, minMs = 25, warmup = 1, budgetMs = 20000 } = {}) {
  const names = Object.keys(engines);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < warmup; i++) await call(engines[n]);
  const start = now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      samples[n].push(await timeOnceAsync(engines[n], minMs));
    }
    if (r >= 2 && now() - start > budgetMs) break; // at least 3 rounds, then respect the budget
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}
