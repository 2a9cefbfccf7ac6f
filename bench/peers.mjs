#!/usr/bin/env node
// dcd-wasm vs its peers, forward conv2d with bias, one Node process: this library (wasm relaxed SIMD,
// wasm SIMD, wasm scalar, JS reference, and wasm SIMD on 2 threads) vs XNNPACK (TensorFlow.js's wasm
// backend, 1 thread) vs ONNX Runtime Web (wasm, 1 thread), plus the `peak` loops; this library's
// backward (dx + dW + db) next to its forward; the DCD layer; and the issue-5 targets, each computed
// from this run's figures with MET / NOT MET. Every engine's output is checked against the JS
// reference before it is timed (max rel err ≤ 1e-4, else the cell says FAIL); timing is interleaved
// rounds and medians, and the peak loops are timed inside every row's rounds so "% of peak" shares
// its conditions.
//
// Relaxed SIMD: Node 20 validates it only with --experimental-wasm-relaxed-simd, so this script re-runs
// itself with that flag (bench/peers/relaxed.mjs) and every engine is timed in that one process; the
// peers' binaries are checked to contain no relaxed-SIMD instruction (the flag changes nothing for them).
//
//   npm run bench:peers                     the issue-5 shapes, batch 1
//   node bench/peers.mjs --batch 1,8        more batch sizes
//   node bench/peers.mjs --clock cpu        time single-threaded engines by process CPU time (a machine shared
//                                           with other work); the multi-threaded column stays on the wall clock
//   node bench/peers.mjs --quick            three shapes, fewer rounds (a smoke run; with --filter: fewer rounds)
//   node bench/peers.mjs --filter 3x3       only layers whose name matches
//   options: --rounds N, --no-js (JS reference only checks, not timed), --no-scalar, --no-relaxed,
//            --no-dcd (skip the DCD layer rows: conv_dy via tfjs ops vs this library's DCDConv2d),
//            --threads N (the threaded column's thread count, default 2), --no-threads, --no-backward,
//            --no-reexec (don't re-run under the relaxed-SIMD flag: the relaxed columns say n/a on Node 20)
//
// The peers' packages are installed on first use into bench/peers/node_modules (bench/peers/package.json).
// Writes bench/results/peers-<timestamp>.json and bench/results/peers-latest.{md,svg}.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parsePeerArgs } from './peers/args.mjs';
import { reexecWithRelaxedSimd, relaxedSimdValidates, peerRelaxedCheck, RELAXED_FLAG } from './peers/relaxed.mjs';

const args = parsePeerArgs(process.argv.slice(2));
// Node 20: re-run this script under the relaxed-SIMD flag (returns here when not needed or not possible).
if (args.relaxed && args.reexec) reexecWithRelaxedSimd(fileURLToPath(import.meta.url), process.argv.slice(2));

const { ensurePeersInstalled } = await import('./peers/install.mjs');
const { buildPeak } = await import('./peak/build.mjs');
const { measureRelaxed, peakEngine } = await import('./peak/measure.mjs');
const { interleavedAsyncClocks } = await import('./lib/timing_async.mjs');
const { median } = await import('./lib/timing.mjs');
const { maxRelativeError } = await import('./lib/check.mjs');
const { formatTable } = await import('./lib/table.mjs');
const { PEER_SHAPES, QUICK_SHAPES, makeConv } = await import('./peers/shapes.mjs');
const { HEADER, tableRow, geomeanRow, peakRow, VARIANTS_HEADER, variantsRow } = await import('./peers/report/table.mjs');
const { targetSummary, formatTargets } = await import('./peers/report/targets.mjs');
const { writePeerResults } = await import('./peers/report/write.mjs');

const MAX_REL_ERR = 1e-4;
const REFERENCE = 'js';
ensurePeersInstalled();
buildPeak();

// Imported only now: they resolve the peers' packages installed just above.
const { createDcdEngine, createDcdThreadsEngine } = await import('./peers/engines/dcd.mjs');
const { createTfjsWasmEngine } = await import('./peers/engines/tfjs_wasm.mjs');
const { createOrtWebEngine } = await import('./peers/engines/ort_web.mjs');
const { benchmarkDcdLayer, dcdLayerTable, dcdTrainTable } = await import('./peers/dcd_layer/bench.mjs');

const relaxedHere = args.relaxed && relaxedSimdValidates();
const relaxedNote = !args.relaxed ? 'skipped (--no-relaxed)'
  : relaxedHere ? (process.execArgv.includes(RELAXED_FLAG) ? `this process runs with ${RELAXED_FLAG}` : 'this runtime validates relaxed SIMD')
  : `n/a: this runtime does not validate relaxed SIMD (Node 20 needs ${RELAXED_FLAG}; --no-reexec?)`;
const peerCheck = relaxedHere ? peerRelaxedCheck() : null;

const engines = [
  ...(relaxedHere ? [await createDcdEngine('wasm-relaxed-simd')] : []),
  await createDcdEngine('wasm-simd'),
  await createTfjsWasmEngine(),
  await createOrtWebEngine(),
  ...(args.scalar ? [await createDcdEngine('wasm-scalar')] : []),
  await createDcdEngine('js'),
];
// The threaded engine runs dense shapes only, on the wall clock (process CPU time sums its threads).
let threaded = null, threadsNote = args.threads >= 2 ? null : 'skipped (--no-threads)';
if (args.threads >= 2) {
  try {
    threaded = await createDcdThreadsEngine(args.threads);
  } catch (err) {
    threadsNote = `n/a: ${err.message.split('\n')[0]}`;
  }
}
const THREADED = threaded?.name;
const timing = { rounds: args.rounds ?? (args.quick ? 3 : 7), minMs: args.quick ? 10 : 25, clock: args.clock };
const peakLoop = peakEngine('mul_add'); // one more engine in every row's rounds
const peakRelaxedLoop = relaxedHere ? peakEngine('relaxed_madd') : null;
const loadBefore = os.loadavg();

console.log(`dcd-wasm bench:peers — ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}${process.execArgv.length ? ` ${process.execArgv.join(' ')}` : ''}, ${args.clock} clock`);
console.log(`load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}; engines: ${[...engines, ...(threaded ? [threaded] : [])].map((e) => e.label).join(' | ')}`);
console.log(`relaxed SIMD: ${relaxedNote}${peerCheck ? `; ${peerCheck.note}` : ''}`);
console.log(`threads: ${threaded ? `${threaded.label}; the peers run on 1 thread (tfjs-backend-wasm and ORT could use threads too, issue 5 compares single-threaded peers)` : threadsNote}`);
const relaxed = !args.relaxed ? { gflops: null, note: 'skipped (--no-relaxed)' }
  : relaxedHere ? null // measured in every row's rounds, below
  : measureRelaxed(timing);

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
const relaxedPeak = relaxed ?? (rows.length
  ? (() => {
    const g = median(rows.map((r) => r.peakRelaxedGflops));
    return { gflops: g, mulAddGflops: peakMedian, note: `median over rows, in every row's rounds; ${(g / peakMedian).toFixed(2)}× mul+add` };
  })()
  : { gflops: null, note: 'no rows' });
const table = [HEADER, ...rows.map(tableRow)];
for (const batch of args.batches) {
  const gm = geomeanRow(rows.filter((r) => r.batch === batch && !r.depthwise), `geomean dense N=${batch}`);
  if (gm) table.push(gm);
}
table.push(peakRow('peak: 12 × f32x4 mul+add chains', peakMedian, 'median over rows'));
table.push(peakRow('peak: 12 × f32x4.relaxed_madd', relaxedPeak.gflops, relaxedPeak.note ?? '', true));
console.log('\n' + formatTable(table));
const variantsTable = [VARIANTS_HEADER(threaded), ...rows.map((r) => variantsRow(r, threaded))];
console.log('\n' + formatTable(variantsTable));

const dcdRecords = [];
if (args.dcd) {
  const byName = Object.fromEntries(engines.map((e) => [e.name, e]));
  const dcdEngines = { tf: byName.xnnpack.tf, simd: byName['wasm-simd'].module, relaxed: byName['wasm-relaxed-simd']?.module, js: byName.js.module };
  for (const batch of args.batches) dcdRecords.push(await benchmarkDcdLayer(dcdEngines, batch, { ...timing, backward: args.backward }, MAX_REL_ERR));
  console.log('\n' + formatTable(dcdLayerTable(dcdRecords)));
  if (args.backward) console.log('\n' + formatTable(dcdTrainTable(dcdRecords)));
}
threaded?.module.dispose();

const targets = targetSummary({ rows, dcdRecords, threads: threaded?.threads ?? null, threadsNote, relaxedNote, backward: args.backward });
console.log('\n' + formatTargets(targets).join('\n'));

const meta = {
  date: new Date().toISOString(), node: process.version, execArgv: process.execArgv, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
  loadavg: { before: loadBefore, after: os.loadavg() }, args: process.argv.slice(2), timing, maxRelErr: MAX_REL_ERR,
  engines: Object.fromEntries([...engines, ...(threaded ? [threaded] : [])].map((e) => [e.name, e.label])),
  relaxed: { note: relaxedNote, peers: peerCheck }, threads: threaded ? { count: threaded.threads, clock: 'wall' } : { note: threadsNote },
  peers: JSON.parse(readFileSync(new URL('./peers/package.json', import.meta.url), 'utf8')).dependencies,
};
const written = writePeerResults(join(dirname(fileURLToPath(import.meta.url)), 'results'),
  { meta, peak: { mulAdd: peakMedian, relaxedMadd: relaxedPeak }, rows, dcdLayer: dcdRecords, targets },
  {
    table,
    variantsTable,
    dcdTable: dcdRecords.length ? dcdLayerTable(dcdRecords) : null,
    dcdTrainTable: dcdRecords.length && args.backward ? dcdTrainTable(dcdRecords) : null,
    targetLines: formatTargets(targets),
    chart: { batch: args.batches[0], engines: engines.filter((e) => ['wasm-relaxed-simd', 'wasm-simd', 'xnnpack', 'ort'].includes(e.name)) },
  });
console.log(`\nwritten: ${written.map((f) => `bench/results/${f}`).join(', ')}`);

async function benchmarkConv(conv) {
  const all = [...engines, ...(threaded && !conv.depthwise ? [threaded] : [])];
  const prepared = {}, status = {}, maxRelErr = {};
  for (const e of all) {
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
  for (const e of all) {
    if (e.name === REFERENCE || status[e.name] !== 'ok') continue;
    maxRelErr[e.name] = maxRelativeError({ y: await prepared[e.name].output() }, reference);
    if (!(maxRelErr[e.name] <= MAX_REL_ERR)) {
      status[e.name] = 'FAIL';
      console.warn(`${conv.name} N=${conv.batch}: ${e.name} FAILS the check (max rel err ${maxRelErr[e.name]})`);
    }
  }
  // This library's backward (wasm-simd), checked against the JS reference's backward.
  const BWD = 'wasm-simd backward';
  if (args.backward && status['wasm-simd'] === 'ok') {
    maxRelErr[BWD] = maxRelativeError(prepared['wasm-simd'].backwardOutput(), prepared[REFERENCE].backwardOutput());
    status[BWD] = maxRelErr[BWD] <= MAX_REL_ERR ? 'ok' : 'FAIL';
    if (status[BWD] !== 'ok') console.warn(`${conv.name} N=${conv.batch}: ${BWD} FAILS the check (max rel err ${maxRelErr[BWD]})`);
  }
  const runs = { peak: peakLoop.run, ...(peakRelaxedLoop ? { 'peak relaxed': peakRelaxedLoop.run } : {}) };
  for (const e of all) {
    if (status[e.name] === 'ok' && (e.name !== 'js' || args.timeJs) && e.name !== THREADED) runs[e.name] = prepared[e.name].run;
  }
  if (status[BWD] === 'ok') runs[BWD] = prepared['wasm-simd'].runBackward;
  const t = await interleavedAsyncClocks(runs, timing);
  // 2 threads vs 1: in rounds of their own, both on the wall clock, after a full GC (--expose-gc, set
  // by the re-run): inside the main rounds V8's concurrent GC threads, busy with the JS reference's
  // garbage, took the second core for whole samples (3×3 64→64 @56² N=8: median 1.00× with the JS
  // engine in the rounds, 1.79× without it, best samples 1.85× either way).
  const pair = THREADED && status[THREADED] === 'ok' && status['wasm-simd'] === 'ok';
  if (pair) {
    globalThis.gc?.();
    const tp = await interleavedAsyncClocks({ 'wasm-simd': prepared['wasm-simd'].run, [THREADED]: prepared[THREADED].run },
      { ...timing, clock: 'wall' });
    t.ms[THREADED] = tp.wall[THREADED];
    for (const k of ['wall', 'cpu', 'wallBest']) t[k][THREADED] = tp[k][THREADED];
    t.clockOf[THREADED] = 'wall';
    t.pair = tp;
  }
  for (const p of Object.values(prepared)) await p.dispose();
  const { ms } = t;
  const gflops = Object.fromEntries(Object.entries(ms).map(([n, v]) => [n, (n === BWD ? 2 : 1) * conv.flops / (v * 1e6)]));
  return {
    layer: conv.name, batch: conv.batch, depthwise: conv.depthwise, kernel: conv.kernel, flops: conv.flops,
    ms, gflops, wallMs: t.wall, cpuMs: t.cpu, wallBestMs: t.wallBest, clockOf: t.clockOf,
    peakGflops: peakLoop.gflops(ms.peak), peakRelaxedGflops: peakRelaxedLoop ? peakRelaxedLoop.gflops(ms['peak relaxed']) : null,
    status, maxRelErr,
    ...(THREADED && ms[THREADED] != null ? {
      threads: {
        name: THREADED, count: threaded.threads,
        // speedup on the wall clock for both, from the pair's own rounds
        oneThreadWallMs: t.pair.wall['wasm-simd'],
        speedup: t.pair.wall['wasm-simd'] / t.pair.wall[THREADED], speedupBest: t.pair.wallBest['wasm-simd'] / t.pair.wallBest[THREADED],
      },
    } : {}),
    ...(ms[BWD] != null ? { backward: { ms: ms[BWD], overForward: ms[BWD] / ms['wasm-simd'] } } : {}),
  };
}
