// 1 thread vs 2 threads (init({ threads: 2 })), same wasm-simd kernels, same inputs.
//
// In `npm run bench` (bench/run.mjs) each row is the usual conv2d row with the 2-thread backend as
// its baseline, so "SIMD ÷ base" = 1-thread time / 2-thread time = the speedup.
// Run directly for a quick table of just those two engines (no scalar/JS), with the load average:
//   npm run build && node bench/cases/threads.mjs [--batch 1,8] [--rounds 9] [--threads 2]
import { init } from '../../dist/index.js';
import { CONV2D_SHAPES, conv2dFlops, prepareConv2d } from './conv2d.mjs';
import { interleaved } from '../lib/timing.mjs';
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
        const label = 'wasm-simd on 2 threads';
        yield { layer: `${s.name} 1 vs 2 threads`, pass: 'forward', batch, flops, outputs,
          run: Object.fromEntries(Object.entries(one).map(([n, p]) => [n, p.forward])), baseline: { label, run: two.forward } };
        yield { layer: `${s.name} 1 vs 2 threads`, pass: 'backward (dx+dW+db)', batch, flops: 2 * flops, outputs,
          run: Object.fromEntries(Object.entries(one).map(([n, p]) => [n, p.backward])), baseline: { label, run: two.backward } };
        for (const p of Object.values(prepared)) p.dispose();
      }
    }
  },
};

async function main(argv) {
  const opt = { batches: [1, 8], rounds: 9, threads: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--batch') opt.batches = argv[i + 1].split(',').map(Number);
    else if (argv[i] === '--rounds') opt.rounds = Number(argv[i + 1]);
    else if (argv[i] === '--threads') opt.threads = Number(argv[i + 1]);
    else throw new Error(`threads bench: unknown argument ${argv[i]}`);
  }
  const os = await import('node:os');
  const engines = { one: await init({ backend: 'wasm-simd' }), many: await init({ threads: opt.threads }) };
  console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; ` +
    `load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`layer                 pass      N   1 thread ms  GFLOP/s   ${opt.threads} threads ms  GFLOP/s  speedup`);
  for (const batch of opt.batches) {
    for (const s of SHAPES) {
      const prepared = prepareConv2d(engines, s, batch);
      const a = prepared.one.outputs(), b = prepared.many.outputs();
      const err = maxRelativeError(b, a);
      if (!(err === 0)) console.log(`  note: ${s.name}: threaded output differs from 1 thread (max rel err ${err})`);
      for (const pass of ['forward', 'backward']) {
        const flops = conv2dFlops(s, batch) * (pass === 'forward' ? 1 : 2);
        const ms = interleaved({ one: prepared.one[pass], many: prepared.many[pass] }, { rounds: opt.rounds, minMs: 50 });
        const g = (t) => (flops / (t * 1e6)).toFixed(1);
        console.log(`${s.name.padEnd(21)} ${pass.padEnd(8)} ${String(batch).padStart(2)} ${ms.one.toFixed(2).padStart(12)} ${g(ms.one).padStart(8)}` +
          ` ${ms.many.toFixed(2).padStart(13)} ${g(ms.many).padStart(8)} ${(ms.one / ms.many).toFixed(2).padStart(7)}×`);
      }
      for (const p of Object.values(prepared)) p.dispose();
    }
  }
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  engines.many.dispose();
  threaded.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
