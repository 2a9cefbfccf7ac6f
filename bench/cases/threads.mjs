// 1 thread vs 2 threads (init({ threads: 2 })), same wasm-simd kernels, same inputs.
//
// In `npm run bench` (bench/run.mjs) each row is the usual conv2d row with the 2-thread backend as
// its baseline, so "SIMD ÷ base" = 1-thread time / 2-thread time = the speedup.
// Run directly for a quick table of just those two engines (no scalar/JS), with the load average:
//   npm run build && node bench/cases/threads.mjs [--batch 1,8] [--samples 40] [--threads 2]
// Single calls of the two engines alternate; the table gives the median and the best of the
// samples. On a shared machine the best is the figure to read: it is the call that had both cores
// (the median there measures the other processes as much as this code).
import { init } from '../../dist/index.js';
import { CONV2D_SHAPES, conv2dFlops, prepareConv2d } from './conv2d.mjs';
import { median } from '../lib/timing.mjs';
import { maxRelativeError } from '../lib/check.mjs';

const SHAPES = CONV2D_SHAPES.filter((s) => /^(1x1 64->256|3x3 64->64|3x3 128->128) /.test(s.name));
const threaded = await init({ threads: 2 });

export const threadsSuite = {
  name: 'threads',
  *rows(engines, { batches }) {
    for (const batch of batches) {
      for (const s of SHAPES) {
        const prepared = prepareConv2d({ ...engines, threads: threaded }, s, batch);
        const { threads: two, ...one } = prepared;
        const flops = conv2dFlops(s, batch);
        const outputs = Object.fromEntries(Object.entries(one).map(([n, p]) => [n, p.outputs()]));
        // run.mjs gates the engines of `run` only: the 2-thread baseline is checked here, before timing.
        const err = maxRelativeError(two.outputs(), outputs.js);
        if (!(err <= 1e-4)) throw new Error(`threads ${s.name}: 2 threads disagree with the reference (max rel err ${err})`);
        const label = 'wasm-simd on 2 threads';
        // Wall clock whatever --clock says: process CPU time would add up both threads' work.
        yield { layer: `${s.name} 1 vs 2 threads`, pass: 'forward', batch, flops, outputs,
          run: Object.fromEntries(Object.entries(one).map(([n, p]) => [n, p.forward])), baseline: { label, run: two.forward }, clock: 'wall' };
        yield { layer: `${s.name} 1 vs 2 threads`, pass: 'backward (dx+dW+db)', batch, flops: 2 * flops, outputs,
          run: Object.fromEntries(Object.entries(one).map(([n, p]) => [n, p.backward])), baseline: { label, run: two.backward }, clock: 'wall' };
        for (const p of Object.values(prepared)) p.dispose();
      }
    }
  },
};

async function main(argv) {
  const opt = { batches: [1, 8], samples: 40, threads: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--batch') opt.batches = argv[i + 1].split(',').map(Number);
    else if (argv[i] === '--samples') opt.samples = Number(argv[i + 1]);
    else if (argv[i] === '--threads') opt.threads = Number(argv[i + 1]);
    else throw new Error(`threads bench: unknown argument ${argv[i]}`);
  }
  const os = await import('node:os');
  const engines = { one: await init({ backend: 'wasm-simd' }), many: await init({ threads: opt.threads }) };
  console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; ` +
    `load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${opt.samples} alternating single calls per engine; ms and GFLOP/s as median / best`);
  console.log(`layer                 pass      N   1 thread ms    GFLOP/s    ${opt.threads} threads ms   GFLOP/s  speedup (median / best)`);
  for (const batch of opt.batches) {
    for (const s of SHAPES) {
      const prepared = prepareConv2d(engines, s, batch);
      const a = prepared.one.outputs(), b = prepared.many.outputs();
      const err = maxRelativeError(b, a);
      if (!(err === 0)) console.log(`  note: ${s.name}: threaded output differs from 1 thread (max rel err ${err})`);
      for (const pass of ['forward', 'backward']) {
        const flops = conv2dFlops(s, batch) * (pass === 'forward' ? 1 : 2);
        const t = alternate(prepared.one[pass], prepared.many[pass], opt.samples);
        const g = (ms) => (flops / (ms * 1e6)).toFixed(1);
        const pair = (a, b, digits) => `${a.toFixed(digits)} / ${b.toFixed(digits)}`;
        console.log(`${s.name.padEnd(21)} ${pass.padEnd(8)} ${String(batch).padStart(2)}` +
          ` ${pair(t.one.median, t.one.best, 1).padStart(13)} ${`${g(t.one.median)} / ${g(t.one.best)}`.padStart(11)}` +
          ` ${pair(t.many.median, t.many.best, 1).padStart(13)} ${`${g(t.many.median)} / ${g(t.many.best)}`.padStart(11)}` +
          `  ${pair(t.one.median / t.many.median, t.one.best / t.many.best, 2)}×`);
      }
      for (const p of Object.values(prepared)) p.dispose();
    }
  }
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  engines.many.dispose();
  threaded.dispose();
}

/** `samples` single calls of each, alternating which goes first; median and best ms of each. */
function alternate(one, many, samples) {
  one(); many(); // warm-up
  const t = { one: [], many: [] };
  const time = (fn, into) => { const s = performance.now(); fn(); into.push(performance.now() - s); };
  for (let i = 0; i < samples; i++) {
    if (i % 2) { time(one, t.one); time(many, t.many); } else { time(many, t.many); time(one, t.one); }
  }
  const stats = (v) => ({ median: median(v), best: Math.min(...v) });
  return { one: stats(t.one), many: stats(t.many) };
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
