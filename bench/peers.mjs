#!/usr/bin/env node
// dcd-wasm vs its peers, forward conv2d with bias, single thread, one Node process: this library
// (wasm SIMD, wasm scalar, JS reference) vs XNNPACK (TensorFlow.js's wasm backend) vs ONNX Runtime Web
// (wasm, 1 thread), plus the `peak` loop. Every engine's output is checked against the JS reference
// before it is timed (max rel err ≤ 1e-4, else the cell says FAIL); timing is interleaved rounds and
// medians, and the peak loop is timed inside every row's rounds so "% of peak" shares its conditions.
//
//   npm run bench:peers                     the issue-5 shapes, batch 1
//   node bench/peers.mjs --batch 1,8        more batch sizes
//   node bench/peers.mjs --quick            three shapes, fewer rounds (a smoke run; with --filter: fewer rounds)
//   node bench/peers.mjs --filter 3x3       only layers whose name matches
//   options: --rounds N, --no-js (JS reference only checks, not timed), --no-scalar, --no-relaxed,
//            --no-dcd (skip the DCD layer rows: conv_dy via tfjs ops vs this library's DCDConv2d)
//
// The peers' packages are installed on first use into bench/peers/node_modules (bench/peers/package.json).
// Writes bench/results/peers-<timestamp>.json and bench/results/peers-latest.{md,svg}.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { ensurePeersInstalled } from './peers/install.mjs';
import { parsePeerArgs } from './peers/args.mjs';
import { buildPeak } from './peak/build.mjs';
import { measureRelaxed, peakEngine } from './peak/measure.mjs';
import { interleavedAsync } from './lib/timing_async.mjs';
import { median } from './lib/timing.mjs';
import { maxRelativeError } from './lib/check.mjs';
import { formatTable } from './lib/table.mjs';
import { PEER_SHAPES, QUICK_SHAPES, makeConv } from './peers/shapes.mjs';
import { HEADER, tableRow, geomeanRow, peakRow } from './peers/report/table.mjs';
import { writePeerResults } from './peers/report/write.mjs';

const MAX_REL_ERR = 1e-4;
const REFERENCE = 'js';
const args = parsePeerArgs(process.argv.slice(2));
ensurePeersInstalled();
buildPeak();

// Imported only now: they resolve the peers' packages installed just above.
const { createDcdEngine } = await import('./peers/engines/dcd.mjs');
const { createTfjsWasmEngine } = await import('./peers/engines/tfjs_wasm.mjs');
const { createOrtWebEngine } = await import('./peers/engines/ort_web.mjs');
const { benchmarkDcdLayer, dcdLayerTable } = await import('./peers/dcd_layer/bench.mjs');

const engines = [
  await createDcdEngine('wasm-simd'),
  await createTfjsWasmEngine(),
  await createOrtWebEngine(),
  ...(args.scalar ? [await createDcdEngine('wasm-scalar')] : []),
  await createDcdEngine('js'),
];
const timing = { rounds: args.rounds ?? (args.quick ? 3 : 7), minMs: args.quick ? 10 : 25 };
const peakLoop = peakEngine('mul_add'); // one more engine in every row's rounds
const loadBefore = os.loadavg();

console.log(`dcd-wasm bench:peers — ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}, single thread`);
console.log(`load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}; engines: ${engines.map((e) => e.label).join(' | ')}`);
const relaxed = args.relaxed ? measureRelaxed(timing) : { gflops: null, note: 'skipped (--no-relaxed)' };

// --quick alone picks three shapes; with --filter it only shortens the rounds.
const shapes = args.filter ? PEER_SHAPES.filter((s) => args.filter.test(s.name)) : args.quick ? QUICK_SHAPES : PEER_SHAPES;
const rows = [];
for (const batch of args.batches) {
  for (const shape of shapes) {
    const row = await benchmarkConv(makeConv(shape, batch));
    rows.push(row);
    console.log(formatTable([HEADER, tableRow(row)]).split('\n')[2]);
  }
}

const peakMedian = rows.length ? median(rows.map((r) => r.peakGflops)) : null;
const table = [HEADER, ...rows.map(tableRow)];
for (const batch of args.batches) {
  const gm = geomeanRow(rows.filter((r) => r.batch === batch && !r.depthwise), `geomean dense N=${batch}`);
  if (gm) table.push(gm);
}
table.push(peakRow('peak: 12 × f32x4 mul+add chains', peakMedian, 'median over rows'));
table.push(peakRow('peak: 12 × f32x4.relaxed_madd', relaxed.gflops, relaxed.note ?? ''));
console.log('\n' + formatTable(table));

const dcdRecords = [];
if (args.dcd) {
  const byName = Object.fromEntries(engines.map((e) => [e.name, e]));
  const dcdEngines = { tf: byName.xnnpack.tf, simd: byName['wasm-simd'].module, js: byName.js.module };
  for (const batch of args.batches) dcdRecords.push(await benchmarkDcdLayer(dcdEngines, batch, timing, MAX_REL_ERR));
  console.log('\n' + formatTable(dcdLayerTable(dcdRecords)));
}

const meta = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
  loadavg: { before: loadBefore, after: os.loadavg() }, args: process.argv.slice(2), timing, maxRelErr: MAX_REL_ERR,
  engines: Object.fromEntries(engines.map((e) => [e.name, e.label])),
  peers: JSON.parse(readFileSync(new URL('./peers/package.json', import.meta.url), 'utf8')).dependencies,
};
const written = writePeerResults(join(dirname(fileURLToPath(import.meta.url)), 'results'),
  { meta, peak: { mulAdd: peakMedian, relaxedMadd: relaxed }, rows, dcdLayer: dcdRecords },
  {
    table,
    dcdTable: dcdRecords.length ? dcdLayerTable(dcdRecords) : null,
    chart: { batch: args.batches[0], engines: engines.filter((e) => ['wasm-simd', 'xnnpack', 'ort'].includes(e.name)) },
  });
console.log(`\nwritten: ${written.map((f) => `bench/results/${f}`).join(', ')}`);

async function benchmarkConv(conv) {
  const prepared = {}, status = {}, maxRelErr = {};
  for (const e of engines) {
    try {
      prepared[e.name] = await e.prepareConv(conv);
      status[e.name] = 'ok';
    } catch (err) {
      status[e.name] = 'ERR';
      console.warn(`${conv.name} N=${conv.batch}: ${e.name} failed to prepare: ${err.message}`);
    }
  }
  if (status[REFERENCE] !== 'ok') throw new Error(`${conv.name}: the reference engine failed`);
  const reference = { y: await prepared[REFERENCE].output() };
  for (const e of engines) {
    if (e.name === REFERENCE || status[e.name] !== 'ok') continue;
    maxRelErr[e.name] = maxRelativeError({ y: await prepared[e.name].output() }, reference);
    if (!(maxRelErr[e.name] <= MAX_REL_ERR)) {
      status[e.name] = 'FAIL';
      console.warn(`${conv.name} N=${conv.batch}: ${e.name} FAILS the check (max rel err ${maxRelErr[e.name]})`);
    }
  }
  const runs = { peak: peakLoop.run };
  for (const e of engines) {
    if (status[e.name] === 'ok' && (e.name !== 'js' || args.timeJs)) runs[e.name] = prepared[e.name].run;
  }
  const ms = await interleavedAsync(runs, timing);
  for (const p of Object.values(prepared)) await p.dispose();
  const gflops = Object.fromEntries(Object.entries(ms).map(([n, t]) => [n, conv.flops / (t * 1e6)]));
  return {
    layer: conv.name, batch: conv.batch, depthwise: conv.depthwise, flops: conv.flops,
    ms, gflops, peakGflops: peakLoop.gflops(ms.peak), status, maxRelErr,
  };
}
