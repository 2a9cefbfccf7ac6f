#!/usr/bin/env node
// Work model of the whole training step on the thread pool (issue 14's "2 threads ≥ 1.7× one
// thread"), op by op, for a machine too loaded for wall-clock ratios (bench/train/threads.mjs): the
// bench:train workload on init({ backend, threads }) with every pool job run part by part on THIS
// thread (each part timed alone), the parts then scheduled as the pool claims them (highest index
// first, to whichever of the threads is free). Modeled step = its serial code + each job's schedule;
// "+ hand-offs" adds --handoff ms per job (a notify + wake-up: ~0.03 ms on the 2-core VM). Against it,
// the one-thread step, interleaved round by round; medians of --rounds, per op (outermost backend
// method) too. CPU-bound pieces on one thread each, so a busy machine slows both sides alike.
//
//   node bench/train/step_model.mjs [--variants static,dy,dcd] [--rounds 5] [--threads 2] [--backend wasm-simd] [--handoff 0.03]
//                                   [--dist other/dist]   (e.g. another checkout's build, for a before / after)
//                                   [--jobs]   (also each op's jobs by part kernel: parts' sum and schedule)
// Needs dist/ (npm run build). It imports a copy of dist/index.js with one line added to
// ThreadPool.run (the hook); it says so and stops if that line's anchor has changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '../lib/timing.mjs';
import { trainToolArgs } from './cli.mjs';
import { makeTrainStep, timeOps } from './workload.mjs';

const { opt, variants, rounds, backend, batch, count, number } = trainToolArgs(import.meta.url, {
  rounds: 5, options: {
    threads: { type: 'string', default: '2' }, handoff: { type: 'string', default: '0.03' }, dist: { type: 'string' },
    jobs: { type: 'boolean', default: false },
  },
});
const threads = count('threads', 2), handoff = number('handoff', 0);

const ANCHOR = 'const fn = PART_KERNELS.indexOf(kernel);';
const source = fs.readFileSync(opt.dist ? path.join(opt.dist, 'index.js') : new URL('../../dist/index.js', import.meta.url), 'utf8');
if (source.split(ANCHOR).length !== 2) throw new Error(`step_model: ThreadPool.run no longer has "${ANCHOR}" once in dist/index.js; update the hook`);
const patched = source.replace(ANCHOR, `${ANCHOR}\n        if (globalThis.__dcdPartModel) return globalThis.__dcdPartModel(this.#kernels[fn], kernel, args, parts, wsBase);`);
const copy = path.join(os.tmpdir(), `dcd-step-model-${process.pid}.mjs`);
fs.writeFileSync(copy, patched);
const lib = await import(pathToFileURL(copy).href);
fs.unlinkSync(copy);

const one = await lib.init({ backend });
const many = await lib.init({ backend, threads });
if (many.info().threads !== threads) throw new Error(`init({ threads: ${threads} }) runs ${many.info().threads}: ${many.info().threadsNote}`);

/** Parts claimed highest index first by whichever thread is free first: the job's time on `threads` free cores. */
function schedule(times) {
  const free = new Array(threads).fill(0);
  for (let i = times.length - 1; i >= 0; i--) free[free.indexOf(Math.min(...free))] += times[i];
  return Math.max(...free);
}

// The op being timed (outermost backend method), and what its jobs' parts took: sum and schedule.
let currentOp = null;
const jobStats = new Map(); // op → { sum, scheduled, jobs }
const kernelStats = new Map(); // `op / part kernel` → { sum, scheduled, jobs, max } over all rounds
globalThis.__dcdPartModel = (kernel, name, args, parts, wsBase) => {
  const times = new Array(parts);
  for (let part = parts - 1; part >= 0; part--) {
    const t0 = performance.now();
    kernel(...args, wsBase, part, parts);
    times[part] = performance.now() - t0;
  }
  const s = jobStats.get(currentOp) ?? { sum: 0, scheduled: 0, jobs: 0 };
  s.sum += times.reduce((a, v) => a + v, 0);
  s.scheduled += schedule(times);
  s.jobs++;
  jobStats.set(currentOp, s);
  const key = `${currentOp} / ${name} (${parts} parts)`;
  const k = kernelStats.get(key) ?? { sum: 0, scheduled: 0, jobs: 0 };
  k.sum += times.reduce((a, v) => a + v, 0);
  k.scheduled += schedule(times);
  k.jobs++;
  kernelStats.set(key, k);
};

const opOne = timeOps(one), opMany = timeOps(many, (name) => { currentOp = name; });

const trainStep = (m, variant) => makeTrainStep(lib, m, variant, batch);

const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

console.log(`work model: backend ${backend}, ${threads} threads vs 1, batch ${batch.shape[0]}, ${rounds} rounds; load ${load()}`);
for (const variant of variants) {
  const a = trainStep(one, variant), b = trainStep(many, variant);
  a.step(); b.step(); a.step(); b.step();
  kernelStats.clear();
  const t1 = [], tm = [], th = [];
  const perOp = new Map(); // op → arrays of [one, modeled]
  for (let r = 0; r < rounds; r++) {
    opOne.clear(); opMany.clear(); jobStats.clear();
    let t0 = performance.now();
    a.step();
    t1.push(performance.now() - t0);
    t0 = performance.now();
    b.step();
    const serialized = performance.now() - t0;
    let sum = 0, scheduled = 0, jobs = 0;
    for (const s of jobStats.values()) { sum += s.sum; scheduled += s.scheduled; jobs += s.jobs; }
    tm.push(serialized - sum + scheduled);
    th.push(serialized - sum + scheduled + jobs * handoff);
    for (const [name, t] of opOne) {
      const s = jobStats.get(name) ?? { sum: 0, scheduled: 0, jobs: 0 };
      const modeled = (opMany.get(name) ?? 0) - s.sum + s.scheduled;
      const row = perOp.get(name) ?? { one: [], modeled: [], serial: [], jobs: 0 };
      row.one.push(t); row.modeled.push(modeled); row.serial.push((opMany.get(name) ?? 0) - s.sum); row.jobs = s.jobs;
      perOp.set(name, row);
    }
  }
  const [m1, mm, mh] = [median(t1), median(tm), median(th)];
  const jobsPerStep = [...perOp.values()].reduce((n, r) => n + r.jobs, 0);
  console.log(`\n${variant}: 1 thread ${m1.toFixed(1)} ms, modeled on ${threads} free cores ${mm.toFixed(1)} ms: ${(m1 / mm).toFixed(2)}×; ` +
    `+ hand-offs (${jobsPerStep} jobs × ${handoff} ms) ${mh.toFixed(1)} ms: ${(m1 / mh).toFixed(2)}×; load ${load()}`);
  console.log(`  ${'op'.padEnd(26)} ${'1 thread'.padStart(10)} ${'modeled'.padStart(10)}  ratio  jobs  serial   (ms per step, medians; serial: outside the jobs)`);
  const rows = [...perOp].map(([name, r]) => [name, median(r.one), median(r.modeled), r.jobs, median(r.serial)]).sort((x, y) => y[2] - x[2]);
  for (const [name, s1, sm, jobs, serial] of rows.filter(([, s1]) => s1 >= 0.3)) {
    console.log(`  ${name.padEnd(26)} ${s1.toFixed(1).padStart(10)} ${sm.toFixed(1).padStart(10)}  ${(s1 / sm).toFixed(2)}× ${String(jobs).padStart(5)} ${serial.toFixed(1).padStart(7)}`);
  }
  const outside = median(tm.map((v, i) => v - [...perOp.values()].reduce((a, r) => a + r.modeled[i], 0)));
  console.log(`  ${'(between ops)'.padEnd(26)} ${''.padStart(10)} ${outside.toFixed(1).padStart(10)}`);
  if (opt.jobs) {
    console.log(`  jobs by op / part kernel: sum of parts → on ${threads} free cores (ms per step)`);
    for (const [key, k] of [...kernelStats].sort((x, y) => y[1].sum - x[1].sum)) {
      if (k.sum / rounds < 0.2) continue;
      console.log(`    ${key.padEnd(64)} ${(k.sum / rounds).toFixed(2).padStart(8)} → ${(k.scheduled / rounds).toFixed(2).padStart(7)}  ` +
        `${(k.sum / k.scheduled).toFixed(2)}×  ${k.jobs / rounds} jobs`);
    }
  }
  kernelStats.clear();
  a.dispose();
  b.dispose();
}
many.dispose();
