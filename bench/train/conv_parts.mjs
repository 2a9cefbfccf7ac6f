#!/usr/bin/env node
// Work model of the small CNN's static conv backwards on the thread pool (issue 14): for each conv of
// bench:train's workload (batch 64, 28²), the one-thread conv2dBackwardData / conv2dBackwardWeight, and
// every part of the threaded split timed ALONE on this thread (best of --reps), then scheduled as the
// pool claims them (highest index first, to whichever of 2 threads is free) plus any serial reduce.
// That is the speed-up two free cores would give, before wake-up costs; a loaded 2-core machine spoils
// it far less than a wall-clock ratio (bench/train/threads.mjs gives that one, with CPU ÷ wall).
//
//   node bench/train/conv_parts.mjs [--batch 64] [--reps 9] [--threads 2] [--filter regex] [--wasm other.wasm]
// Reads dist/dcd-relaxed-simd-threads.wasm (Node 20 re-runs itself with --experimental-wasm-relaxed-simd),
// or dist/dcd-threads.wasm where relaxed SIMD does not validate.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { reexecWithRelaxedSimd, relaxedSimdValidates } from '../peers/relaxed.mjs';

const { values: opt } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' }, reps: { type: 'string', default: '9' },
    threads: { type: 'string', default: '2' }, filter: { type: 'string' }, wasm: { type: 'string' },
  },
});
reexecWithRelaxedSimd(fileURLToPath(import.meta.url), process.argv.slice(2));
const file = opt.wasm ?? (relaxedSimdValidates() ? 'dcd-relaxed-simd-threads.wasm' : 'dcd-threads.wasm');
const bytes = fs.readFileSync(opt.wasm ?? new URL(`../../dist/${file}`, import.meta.url));
const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, abort() { throw new Error('kernel abort'); } } });
const E = instance.exports;
const N = Number(opt.batch), reps = Number(opt.reps), threads = Number(opt.threads);
/** bindings/backends/wasm/pool_exports.ts: the pool hands out threads × 4 parts. */
const parts = threads * 4;

// The small CNN's static convs (bindings/models/small_cnn.ts): [name, Cin, H, Cout, k, stride, pad, count per step]
const CONVS = [
  ['stem 3×3 1→32', 1, 28, 32, 3, 1, 1, 1],
  ['3×3 32→32', 32, 28, 32, 3, 1, 1, 2],
  ['3×3 32→64 s2', 32, 28, 64, 3, 2, 1, 1],
  ['1×1 32→64 s2 (shortcut)', 32, 28, 64, 1, 2, 0, 1],
  ['3×3 64→64', 64, 14, 64, 3, 1, 1, 1],
  ['3×3 64→128 s2', 64, 14, 128, 3, 2, 1, 1],
  ['1×1 64→128 s2 (shortcut)', 64, 14, 128, 1, 2, 0, 1],
  ['3×3 128→128', 128, 7, 128, 3, 1, 1, 1],
].filter(([name]) => !opt.filter || new RegExp(opt.filter).test(name));

const base = Math.ceil(E.heapBase() / 64) * 64;
let heap = base;
const alloc = (n) => {
  const p = heap;
  heap += Math.ceil(n / 64) * 64;
  if (heap > memory.buffer.byteLength) memory.grow(Math.ceil((heap - memory.buffer.byteLength) / 65536));
  return p;
};
const filled = (n, seed) => {
  const p = alloc(n * 4);
  const a = new Float32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + seed);
  return p;
};
const best = (f) => {
  let t = Infinity;
  for (let r = 0; r < reps; r++) { const a = performance.now(); f(); t = Math.min(t, performance.now() - a); }
  return t;
};
/** Parts claimed highest index first by whichever of `threads` threads is free first. */
const schedule = (times) => {
  const free = new Array(threads).fill(0);
  for (let i = times.length - 1; i >= 0; i--) free[free.indexOf(Math.min(...free))] += times[i];
  return Math.max(...free);
};

console.log(`${os.cpus()[0]?.model}; ${file}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
  `batch ${N}, ${parts} parts timed one at a time (best of ${reps}), ms`);
console.log('conv                       pass     1 thread  sum of parts  max part  on 2 free cores  speedup');
// Every kernel once first: V8 tiers wasm functions up while they run, and the first conv timed would pay for it.
const totals = { one: 0, two: 0 };
for (const warm of [true, false]) for (const [name, C, H, K, k, s, pad, count] of CONVS) {
  const O = Math.floor((H + 2 * pad - k) / s) + 1;
  if (warm) heap = base; // the timed pass reuses the warm-up's buffers (same addresses)
  const desc = alloc(64);
  new Int32Array(memory.buffer, desc, 16).set([N, C, H, H, K, k, k, s, s, pad, pad, 1, 1, 1, O, O]);
  const x = filled(N * C * H * H, 1), w = filled(K * C * k * k, 2), dy = filled(N * K * O * O, 3);
  const dx = alloc(N * C * H * H * 4), dw = alloc(K * C * k * k * 4);
  // the split pool_exports.ts picks: dW of few input channels by samples into partials, then their reduce
  const bySamples = typeof E.conv2dBackwardWeightSplitsSamples === 'function' && E.conv2dBackwardWeightSplitsSamples(desc, parts);
  const partials = bySamples ? alloc((parts - 1) * E.conv2dBackwardWeightPartialBytes(desc)) : 0;
  const weightPart = bySamples
    ? (i) => E.conv2dBackwardWeightSamplesPart(desc, x, dy, dw, 0, partials, wsOf(2), i, parts)
    : (i) => E.conv2dBackwardWeightPart(desc, x, dy, dw, 0, wsOf(2), i, parts);
  for (const [pass, one, part, reduce] of [
    ['data', () => E.conv2dBackwardData(desc, dy, w, dx, wsOf(1)), (i) => E.conv2dBackwardDataPart(desc, dy, w, dx, wsOf(1), i, parts), null],
    [bySamples ? 'weight*' : 'weight', () => E.conv2dBackwardWeight(desc, x, dy, dw, 0, wsOf(2)), weightPart,
      bySamples ? () => E.conv2dBackwardWeightReduce(desc, dw, partials, parts) : null],
  ]) {
    if (warm) {
      one();
      for (let i = parts - 1; i >= 0; i--) part(i);
      reduce?.();
      continue;
    }
    const tOne = best(one);
    const t = [];
    for (let i = parts - 1; i >= 0; i--) t[i] = best(() => part(i));
    const tTwo = schedule(t) + (reduce ? best(reduce) : 0);
    const sum = t.reduce((a, v) => a + v, 0);
    totals.one += count * tOne;
    totals.two += count * tTwo;
    console.log(`${name.padEnd(26)} ${pass.padEnd(7)} ${tOne.toFixed(3).padStart(9)} ${sum.toFixed(3).padStart(8)} (×${(sum / tOne).toFixed(2)})` +
      ` ${Math.max(...t).toFixed(3).padStart(9)} ${tTwo.toFixed(3).padStart(16)} ${(tOne / tTwo).toFixed(2).padStart(7)}×`);
  }

  function wsOf(pass) {
    wsOf.cache ??= {};
    return (wsOf.cache[`${desc}:${pass}`] ??= alloc(64 + (E.conv2dWorkspaceBytes(desc, pass) >>> 0) + 64));
  }
}
console.log('weight*: split by samples into partials (+ their reduce, serial, in the 2-core time)');
console.log(`all of one step's static conv backwards (× their count): 1 thread ${totals.one.toFixed(2)} ms, ` +
  `on 2 free cores ${totals.two.toFixed(2)} ms: ${(totals.one / totals.two).toFixed(2)}×`);
