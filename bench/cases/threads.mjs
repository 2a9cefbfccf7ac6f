// 1 thread vs 2 threads (init({ threads: 2 })), same wasm-simd kernels, same inputs.
//
// In `npm run bench` (bench/run.mjs) each row is the usual conv2d row with the 2-thread backend as
// its baseline, so "SIMD ÷ base" = 1-thread time / 2-thread time = the speedup.
// Run directly for a quick table of just those two engines (no scalar/JS), with the load average:
//   npm run build && node bench/cases/threads.mjs [--batch 1,8] [--samples 40] [--threads 2]
//                    [--pass forward|backward|both] [--filter <regex on the shape name>]
// or for the load-independent work model of the forward parts (--model [--parts 8]): every
// conv2dForwardPart of the threads build timed alone on this thread (best of 15), their sum
// against the one-thread conv2dForward (the work a split adds), and the parts scheduled as the
// pool claims them (highest index first, to whichever of 2 threads is free) = the speedup two
// free cores would give, before wake-up costs (a notify + wake is ~30-50 µs on the 2-core VM).
// Single calls of the two engines alternate; the table gives the median and the best of the
// samples. On a shared machine the best is the figure to read: it is the call that had both cores
// (the median there measures the other processes as much as this code).
import { init } from '../../dist/index.js';
import { CONV2D_SHAPES, conv2dFlops, prepareConv2d } from './conv2d.mjs';
import { median } from '../lib/timing.mjs';
import { maxRelativeError } from '../lib/check.mjs';

// the dense 1×1 and 3×3 shapes (issue 5's target: ≥ 1.7× on 2 threads), incl. the 7×7 and 14² ones
const SHAPES = CONV2D_SHAPES.filter((s) => /^(1x1|3x3) /.test(s.name));
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
  const opt = { batches: [1, 8], samples: 40, threads: 2, passes: ['forward', 'backward'], filter: null, model: false, parts: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--batch') opt.batches = argv[i + 1].split(',').map(Number);
    else if (argv[i] === '--samples') opt.samples = Number(argv[i + 1]);
    else if (argv[i] === '--threads') opt.threads = Number(argv[i + 1]);
    else if (argv[i] === '--pass') opt.passes = argv[i + 1] === 'both' ? opt.passes : [argv[i + 1]];
    else if (argv[i] === '--filter') opt.filter = new RegExp(argv[i + 1]);
    else if (argv[i] === '--parts') opt.parts = Number(argv[i + 1]);
    else if (argv[i] === '--model') { opt.model = true; i--; }
    else throw new Error(`threads bench: unknown argument ${argv[i]}`);
  }
  const shapes = SHAPES.filter((s) => !opt.filter || opt.filter.test(s.name));
  const os = await import('node:os');
  if (opt.model) {
    await model(opt, shapes, os);
    threaded.dispose();
    return;
  }
  const engines = { one: await init({ backend: 'wasm-simd' }), many: await init({ threads: opt.threads }) };
  console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; ` +
    `load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${opt.samples} alternating single calls per engine; ms and GFLOP/s as median / best`);
  console.log(`layer                 pass      N   1 thread ms    GFLOP/s    ${opt.threads} threads ms   GFLOP/s  speedup (median / best)`);
  for (const batch of opt.batches) {
    for (const s of shapes) {
      const prepared = prepareConv2d(engines, s, batch);
      const a = prepared.one.outputs(), b = prepared.many.outputs();
      const err = maxRelativeError(b, a);
      if (!(err === 0)) console.log(`  note: ${s.name}: threaded output differs from 1 thread (max rel err ${err})`);
      for (const pass of opt.passes) {
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

/** The work model (see the header): the threads build's forward parts, one at a time on this thread. */
async function model(opt, shapes, os) {
  const fs = await import('node:fs');
  const bytes = fs.readFileSync(new URL('../../dist/dcd-threads.wasm', import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, abort() { throw new Error('kernel abort'); } } });
  const E = instance.exports;
  console.log(`${os.cpus()[0]?.model}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `forward, ${opt.parts} parts timed one at a time (best of 15 each), ms`);
  console.log('layer                 N   1 thread  sum of parts  max part  on 2 free cores  speedup');
  const base = Math.ceil(E.heapBase() / 64) * 64;
  for (const batch of opt.batches) {
    for (const s of shapes) {
      let heap = base;
      const alloc = (n) => {
        const p = heap; heap += Math.ceil(n / 64) * 64;
        if (heap > memory.buffer.byteLength) memory.grow(Math.ceil((heap - memory.buffer.byteLength) / 65536));
        return p;
      };
      const stride = s.stride ?? 1, pad = s.padding ?? 0, o = Math.floor((s.hw + 2 * pad - s.kernel) / stride) + 1;
      const desc = alloc(64);
      new Int32Array(memory.buffer, desc, 16).set([batch, s.c, s.hw, s.hw, s.k, s.kernel, s.kernel, stride, stride, pad, pad, 1, 1, 1, o, o]);
      const sizes = [batch * s.c * s.hw * s.hw, s.k * s.c * s.kernel * s.kernel, s.k, batch * s.k * o * o];
      const [x, w, b, y] = sizes.map((n) => {
        const p = alloc(n * 4);
        const a = new Float32Array(memory.buffer, p, n);
        for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37);
        return p;
      });
      const ws = alloc((E.conv2dWorkspaceBytes(desc, 0) >>> 0) + 128);
      const best = (f) => { let t = Infinity; for (let r = 0; r < 15; r++) { const a = performance.now(); f(); t = Math.min(t, performance.now() - a); } return t; };
      const one = best(() => E.conv2dForward(desc, x, w, b, y, ws));
      const parts = [];
      for (let i = opt.parts - 1; i >= 0; i--) parts[i] = best(() => E.conv2dForwardPart(desc, x, w, b, y, ws, i, opt.parts));
      const free = [0, 0];
      for (let i = opt.parts - 1; i >= 0; i--) free[free[0] <= free[1] ? 0 : 1] += parts[i];
      const two = Math.max(...free), sum = parts.reduce((a, v) => a + v, 0);
      console.log(`${s.name.padEnd(21)} ${String(batch).padStart(2)} ${one.toFixed(3).padStart(10)} ${sum.toFixed(3).padStart(8)} (×${(sum / one).toFixed(2)})` +
        ` ${Math.max(...parts).toFixed(3).padStart(9)} ${two.toFixed(3).padStart(16)} ${(one / two).toFixed(2).padStart(7)}×`);
    }
  }
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
