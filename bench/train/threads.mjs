#!/usr/bin/env node
// Thread scaling of the training step (issue 14's "2 threads ≥ 1.7× one thread"), op by op: the
// bench:train workload on init({ backend }) and init({ backend, threads }) in ONE process, steps
// interleaved (a load spike hits both), medians per round. Per op (the backend's methods, outermost
// call only) the 1-thread and N-thread times show what still runs serially; CPU ÷ wall of the threaded
// steps says whether the threads really had their cores (≈ N on a quiet machine; ≈ 1 means the
// machine was busy and the speedup means nothing). The pool's threads spin ~1 ms before they sleep
// (runtime/threads/control.ts SPIN_LOADS), and spinning counts as CPU time: since then a busy machine
// shows as a speedup well below N while CPU ÷ wall still reads near N — read the speedup's spread
// (the best rounds against the median) instead.
//
//   node bench/train/threads.mjs [--variants static,dy,dcd] [--rounds 7] [--threads 2] [--backend wasm-simd]
// Needs dist/ (npm run build). Default backend: relaxed SIMD where it validates (Node 20 re-runs this
// script with --experimental-wasm-relaxed-simd, as bench/train.mjs does), else SIMD.
import os from 'node:os';
import { median } from '../lib/timing.mjs';
import { trainToolArgs } from './cli.mjs';
import { makeTrainStep, timeOps } from './workload.mjs';

const { variants, rounds, backend, batch, count } = trainToolArgs(import.meta.url, {
  rounds: 7, options: { threads: { type: 'string', default: '2' } },
});
const threads = count('threads', 2);
const lib = await import('../../dist/index.js');

const one = await lib.init({ backend });
const many = await lib.init({ backend, threads });
if (many.info().threads !== threads) throw new Error(`init({ threads: ${threads} }) runs ${many.info().threads}: ${many.info().threadsNote}`);

const opTimes = [timeOps(one), timeOps(many)];

const trainStep = (m, variant) => makeTrainStep(lib, m, variant, batch);

const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

console.log(`backend ${backend}, ${threads} threads vs 1, batch ${batch.shape[0]}, ${rounds} rounds; load ${load()}`);
for (const variant of variants) {
  const a = trainStep(one, variant), b = trainStep(many, variant);
  const lossOne = a.step(), lossMany = b.step();
  a.step(); b.step();
  opTimes.forEach((t) => t.clear());
  const t1 = [], tn = [], cpu = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    a.step();
    t1.push(performance.now() - t0);
    const c0 = process.cpuUsage();
    t0 = performance.now();
    b.step();
    const wall = performance.now() - t0;
    tn.push(wall);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / wall);
  }
  const [m1, mn] = [median(t1), median(tn)];
  console.log(`\n${variant}: 1 thread ${m1.toFixed(1)} ms (${(batch.shape[0] / m1 * 1000).toFixed(0)} img/s), ${threads} threads ` +
    `${mn.toFixed(1)} ms (${(batch.shape[0] / mn * 1000).toFixed(0)} img/s): ${(m1 / mn).toFixed(2)}× ` +
    `(best rounds ${(Math.min(...t1) / Math.min(...tn)).toFixed(2)}×); CPU ÷ wall ${median(cpu).toFixed(2)}; ` +
    `first loss ${lossOne === lossMany ? 'equal' : `DIFFERS (${lossOne} vs ${lossMany})`}; load ${load()}`);
  const rows = [...opTimes[0]].map(([name, t]) => [name, t / rounds, (opTimes[1].get(name) ?? 0) / rounds]).sort((x, y) => y[1] - x[1]);
  for (const [name, s1, sn] of rows.filter(([, s1]) => s1 >= 0.5)) {
    console.log(`  ${name.padEnd(26)} ${s1.toFixed(1).padStart(7)} ms ${sn.toFixed(1).padStart(7)} ms  ${(s1 / sn).toFixed(2)}×`);
  }
  a.dispose();
  b.dispose();
}
many.dispose();
