#!/usr/bin/env node
// How long a thread takes to resume from Atomics.wait after Atomics.notify on this machine — the cost
// the thread pool's spin (bindings/runtime/threads/control.ts SPIN_LOADS) avoids. A worker sleeps in
// Atomics.wait; the main thread busy-waits --gap ms (the serial work between two jobs), stamps the
// time and notifies; the worker stamps its wake-up. Node only (worker_threads).
//   node tools/wake-latency.mjs [--wakes 600] [--gap 0.3]
import { Worker } from 'node:worker_threads';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const wakes = arg('wakes', 600), gapMs = arg('gap', 0.3);
const shared = new SharedArrayBuffer(64);
const flag = new Int32Array(shared), stamp = new Float64Array(shared, 16, 2);
const worker = new Worker(`
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData), stamp = new Float64Array(workerData, 16, 2);
for (;;) {
  Atomics.wait(flag, 0, 0);
  stamp[1] = performance.timeOrigin + performance.now();
  Atomics.store(flag, 0, 0);
  Atomics.store(flag, 1, 1);
}`, { eval: true, workerData: shared });
await new Promise((resolve) => setTimeout(resolve, 300)); // the worker reaches its first wait

const micros = [];
for (let i = 0; i < wakes; i++) {
  const until = performance.now() + gapMs;
  while (performance.now() < until) { /* the serial gap: the worker falls asleep */ }
  Atomics.store(flag, 1, 0);
  stamp[0] = performance.timeOrigin + performance.now();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  while (Atomics.load(flag, 1) === 0) { /* until the worker has stamped */ }
  micros.push((stamp[1] - stamp[0]) * 1000);
}
micros.sort((a, b) => a - b);
const at = (q) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))].toFixed(0);
console.log(`${wakes} wakes after ${gapMs} ms gaps: µs median ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}; ` +
  `mean ${(micros.reduce((a, b) => a + b, 0) / micros.length).toFixed(0)}`);
await worker.terminate();
