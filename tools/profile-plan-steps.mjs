#!/usr/bin/env node
// Where a planned network's time goes, step by step, and what threads buy on each step:
// InferencePlan.profile() on 1 thread and on T threads (interleaved rounds, the medians of each step's
// per-round medians), one line per step with its share of the 1-thread run and its speed-up.
//   node --experimental-wasm-relaxed-simd tools/profile-plan-steps.mjs resnet18 [--threads 2] [--batch 1]
//        [--rounds 5] [--runs 5] [--top 25] [--weights build/onnx/resnet18.safetensors]
// Seeded random weights unless --weights; 224×224; relaxed SIMD where it validates, else SIMD.
import { readFileSync } from 'node:fs';
import { median } from '../bench/lib/timing.mjs';
import { fastestWasmBackend } from '../bench/peers/relaxed.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const network = argv[0] && !argv[0].startsWith('--') ? argv[0] : 'resnet18';
const threads = Number(opt('threads', 2)), batch = Number(opt('batch', 1));
const rounds = Number(opt('rounds', 5)), runs = Number(opt('runs', 5)), top = Number(opt('top', 25));
const weights = opt('weights', null);

const lib = await import('../dist/index.js');
if (typeof lib[network] !== 'function') throw new Error(`profile-plan-steps: no network constructor '${network}'`);
const backend = fastestWasmBackend();
const options = /mobilenet/.test(network) ? { widthMult: 1 } : {};
const shape = [batch, 3, 224, 224];
const x = new Float32Array(batch * 3 * 224 * 224).map((_, i) => Math.sin(i));

async function engine(count) {
  const m = await lib.init({ backend, threads: count });
  if (m.info().threads !== count) throw new Error(`init({ threads: ${count} }) gave ${m.info().threads}: ${m.info().threadsNote ?? ''}`);
  const net = lib[network](m, options);
  if (weights) net.loadStateDict(lib.stateDictFromSafetensors(readFileSync(weights)));
  net.eval();
  return { m, plan: lib.planInference(net, { inputShape: shape }), profiles: [] };
}
const engines = [await engine(1), await engine(threads)];
for (let r = 0; r < rounds; r++) {
  for (const e of engines) e.profiles.push(e.plan.profile(x, { runs }));
  process.stderr.write(`\rround ${r + 1}/${rounds}`);
}
process.stderr.write('\n');

const [one, many] = engines.map((e) => ({
  total: median(e.profiles.map((p) => p.totalMs)),
  steps: e.profiles[0].steps.map((s, i) => ({ ...s, ms: median(e.profiles.map((p) => p.steps[i].ms)) })),
}));
const rows = one.steps.map((s, i) => ({ label: s.label, kind: s.kind, ms1: s.ms, msT: many.steps[i].ms }));
const lost = (r) => r.msT - r.ms1 / threads; // ms above a perfect split
console.log(`${network}, batch ${batch}, ${backend}: 1 thread ${one.total.toFixed(2)} ms, ${threads} threads ${many.total.toFixed(2)} ms ` +
  `(${(one.total / many.total).toFixed(2)}×); steps sorted by the time lost against a perfect ${threads}-way split:`);
console.log(`${'step'.padEnd(72)} ${'1 thr ms'.padStart(9)} ${`${threads} thr ms`.padStart(9)} ${'speed-up'.padStart(8)} ${'lost ms'.padStart(8)}`);
for (const r of [...rows].sort((a, b) => lost(b) - lost(a)).slice(0, top)) {
  console.log(`${r.label.slice(0, 72).padEnd(72)} ${r.ms1.toFixed(3).padStart(9)} ${r.msT.toFixed(3).padStart(9)} ` +
    `${(r.ms1 / r.msT).toFixed(2).padStart(7)}× ${lost(r).toFixed(3).padStart(8)}`);
}
const byKind = {};
for (const r of rows) {
  const k = (byKind[r.kind] ??= { ms1: 0, msT: 0, n: 0 });
  k.ms1 += r.ms1; k.msT += r.msT; k.n++;
}
console.log('by kind: ' + Object.entries(byKind).map(([k, v]) => `${k} ×${v.n} ${v.ms1.toFixed(1)} → ${v.msT.toFixed(1)} ms (${(v.ms1 / v.msT).toFixed(2)}×)`).join('; '));
console.log(`outside the steps (input copy, clock): 1 thread ${(one.total - rows.reduce((n, r) => n + r.ms1, 0)).toFixed(2)} ms, ` +
  `${threads} threads ${(many.total - rows.reduce((n, r) => n + r.msT, 0)).toFixed(2)} ms`);
for (const e of engines) { e.plan.dispose(); e.m.dispose(); }
