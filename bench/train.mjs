#!/usr/bin/env node
// bench:train (issue 14) — one training step (forward + loss + backward + optimiser) and one inference
// batch of the small Fashion-MNIST CNN (smallCnn: static, DY-Conv, DCD), images/s side by side:
// - this library (dist/, relaxed SIMD when the runtime validates it — Node 20 re-runs this script with
//   --experimental-wasm-relaxed-simd — else SIMD), 1 thread, and the training step on 2 threads too;
// - PyTorch on CPU, 1 thread: tools/bench_train_torch.py, the same network, in its own process and its
//   own timing loop, run BEFORE the others (optional: without PyTorch its column says n/a);
// - TensorFlow.js on tfjs-backend-cpu (tfjs-backend-wasm has no conv weight gradient): the same
//   network in tfjs ops (bench/train/tfjs_net.mjs), built from this library's weights and checked
//   against it before timing (bench/train/check.mjs).
// Rounds are interleaved (round r: ours step, ours 2-thread step, tfjs step, ours inference, tfjs
// inference, in rotating order); medians on the wall clock. tfjs-backend-cpu needs minutes for one
// training step at batch 64, so it runs 1 call per round for --tfjs-rounds rounds. The variants run one
// after another; "step time ÷ static" (and the target on it) comes from a last phase that times every
// variant's step in each round of one process on CPU time (bench/train/step_ratios.mjs), because
// medians from different time windows drift with the machine.
//
//   npm run bench:train                  builds the library first, then every variant, batch 64
//   node bench/train.mjs --quick         a smoke run: batch 8, 1 round, PyTorch 0.5 s per figure
//   options: --variants static,dy,dcd  --batch 64  --rounds N (ours, default 5)  --tfjs-rounds N (default 1)
//            --torch-seconds S (default 3)  --threads N (default 2)  --no-threads  --no-tfjs  --no-torch
// Writes bench/results/train-bench-<date>.md (tables + the issue-14 targets), .svg (images/s, log
// scale) and .json (the full record).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fastestWasmBackend, reexecWithRelaxedSimd, RELAXED_FLAG } from './peers/relaxed.mjs';

const { values: opt } = parseArgs({
  options: {
    variants: { type: 'string', default: 'static,dy,dcd' }, batch: { type: 'string' }, rounds: { type: 'string' },
    'tfjs-rounds': { type: 'string' }, 'torch-seconds': { type: 'string' }, threads: { type: 'string', default: '2' },
    'no-threads': { type: 'boolean' }, 'no-tfjs': { type: 'boolean' }, 'no-torch': { type: 'boolean' },
    quick: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (opt.help) {
  console.log('usage: node bench/train.mjs [--quick] [--variants static,dy,dcd] [--batch 64] [--rounds 5] [--tfjs-rounds 1]\n' +
    '       [--torch-seconds 3] [--threads 2] [--no-threads] [--no-tfjs] [--no-torch]');
  process.exit(0);
}
const fail = (message) => { console.error(`bench:train: ${message}`); process.exit(2); };
const number = (name, v, fallback, { min, integer = true }) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min) fail(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v}'`);
  return n;
};
const args = {
  variants: opt.variants.split(',').map((v) => v.trim()),
  batch: number('batch', opt.batch, opt.quick ? 8 : 64, { min: 2 }),
  rounds: number('rounds', opt.rounds, opt.quick ? 1 : 5, { min: 1 }),
  tfjsRounds: number('tfjs-rounds', opt['tfjs-rounds'], 1, { min: 1 }),
  torchSeconds: number('torch-seconds', opt['torch-seconds'], opt.quick ? 0.5 : 3, { min: 0.1, integer: false }),
  threads: opt['no-threads'] ? 1 : number('threads', opt.threads, 2, { min: 2 }),
  tfjs: !opt['no-tfjs'], torch: !opt['no-torch'],
};

// Node 20 validates relaxed SIMD only behind a V8 flag that NODE_OPTIONS refuses: re-run with it.
reexecWithRelaxedSimd(fileURLToPath(import.meta.url), process.argv.slice(2));

const { VARIANTS, TEMPERATURE, makeBatch } = await import('./train/workload.mjs');
for (const v of args.variants) if (!VARIANTS.includes(v)) fail(`unknown variant '${v}' (${VARIANTS.join(', ')})`);
const { initOurs, createOursEngine } = await import('./train/ours.mjs');
const { runTorchBench, NO_TORCH } = await import('./train/torch.mjs');
const { checkSameNetwork, CHECK_BATCH } = await import('./train/check.mjs');
const { interleavedRounds } = await import('./train/rounds.mjs');
const { measureStepRatios } = await import('./train/step_ratios.mjs');
const report = await import('./train/report.mjs');
const { logBarChartSvg } = await import('./train/chart.mjs');
const { formatTable } = await import('./lib/table.mjs');

// A live progress line in a terminal; plain lines in a log.
const tty = process.stdout.isTTY === true;
let statusShown = false;
const say = (s = '') => {
  if (statusShown) { process.stdout.write('\r\x1b[K'); statusShown = false; }
  process.stdout.write(`${s}\n`);
};
const progress = (s) => { if (!tty) return say(s); process.stdout.write(`\r\x1b[K${s}`); statusShown = true; };

const lib = await import('../dist/index.js');
const backend = fastestWasmBackend();
const loadBefore = os.loadavg();
const command = `node bench/train.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
say(`dcd-wasm bench:train — ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}${process.execArgv.includes(RELAXED_FLAG) ? ` ${RELAXED_FLAG}` : ''}, ` +
  `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}; batch ${args.batch}, variants ${args.variants.join(', ')}`);

// 1. PyTorch, in its own process, before anything else runs here.
let torch = { ok: false, cell: 'skipped', note: 'skipped (--no-torch)' };
if (args.torch) {
  progress(`PyTorch: tools/bench_train_torch.py, ${args.torchSeconds} s per figure …`);
  torch = runTorchBench({ variants: args.variants, batch: args.batch, seconds: args.torchSeconds });
}
say(`PyTorch: ${torch.note}`);

// 2. TensorFlow.js (the peers' packages are installed on first use) and this library's instances.
let tfjsNote = 'skipped (--no-tfjs)', createTfjsEngine = null;
if (args.tfjs) {
  (await import('./peers/install.mjs')).ensurePeersInstalled();
  const tfjs = await import('./train/tfjs_engine.mjs');
  tfjsNote = (await tfjs.initTfjsCpu()).label;
  createTfjsEngine = tfjs.createTfjsEngine;
}
say(`TensorFlow.js: ${tfjsNote}`);
const m1 = await initOurs(lib, backend, 1);
let m2 = null, threadsNote = args.threads > 1 ? null : 'skipped (--no-threads)';
if (args.threads > 1) {
  try { m2 = await initOurs(lib, backend, args.threads); } catch (err) { threadsNote = `n/a: ${err.message.split('\n')[0]}`; }
}
const oursLabel = `dcd-wasm ${backend}`;
say(`ours: ${oursLabel}, 1 thread${m2 ? ` and ${args.threads} threads (init({ threads: ${args.threads} }))` : `; threads: ${threadsNote}`}`);

// 3. Every variant: check TF.js against ours, then the interleaved rounds.
const data = makeBatch(args.batch);
const rows = [];
for (const variant of args.variants) {
  const row = { variant, params: [null, null, null], ips: {}, why: {}, samples: {}, check: null };
  const t = torch.ok ? torch.result.variants[variant] : null;
  if (t) { row.ips.torchTrain = t.trainImagesPerSecond; row.ips.torchInfer = t.inferenceImagesPerSecond; row.params[2] = t.parameters; }
  else row.why.torchTrain = row.why.torchInfer = torch.ok ? 'n/a (no DCD_REPO)' : torch.cell;
  let tfjsOk = false;
  if (createTfjsEngine) {
    progress(`${variant}: checking TF.js against ours (batch ${CHECK_BATCH}: logits, one training step) …`);
    try {
      row.check = checkSameNetwork((b) => createOursEngine(lib, m1, variant, b), (s, b) => createTfjsEngine(s, variant, b, { temperature: TEMPERATURE }));
      row.params[1] = row.check.numParameters[1];
      tfjsOk = row.check.ok;
    } catch (err) { // a tfjs error is that engine's failure, not the bench's
      row.check = { ok: false, note: `ERR: ${err.message.split('\n')[0]}` };
    }
    say(`${variant}: TF.js vs ours ${row.check.note}`);
    if (!tfjsOk) row.why.tfjsTrain = row.why.tfjsInfer = row.check.note.startsWith('ERR') ? 'ERR' : 'FAIL';
  } else row.why.tfjsTrain = row.why.tfjsInfer = 'skipped';
  if (!m2) row.why.ours2Train = threadsNote.startsWith('skipped') ? 'skipped' : 'n/a';

  const ours = createOursEngine(lib, m1, variant, data.nchw);
  const ours2 = m2 ? createOursEngine(lib, m2, variant, data.nchw) : null;
  const tfjs = tfjsOk ? createTfjsEngine(ours.stateDict(), variant, data.nhwc, { temperature: TEMPERATURE }) : null;
  row.params[0] = ours.numParameters;
  // warm-up, and the threaded engine checked: same weights and batch, so the same first loss
  const loss1 = ours.trainStep(), loss2 = ours2?.trainStep();
  if (ours2 && !(Math.abs(loss2 - loss1) <= 1e-4 * Math.abs(loss1))) {
    say(`${variant}: ${args.threads} threads FAIL: first loss ${loss2} vs ${loss1} on 1 thread`);
    row.why.ours2Train = 'FAIL';
  }
  ours.infer();
  const minMs = opt.quick ? 0 : 500;
  const engines = {
    oursTrain: { run: ours.trainStep, rounds: args.rounds, minMs },
    ...(ours2 && row.why.ours2Train == null ? { ours2Train: { run: ours2.trainStep, rounds: args.rounds, minMs } } : {}),
    ...(tfjs ? { tfjsTrain: { run: tfjs.trainStep, rounds: args.tfjsRounds, minMs: 0 } } : {}),
    oursInfer: { run: ours.infer, rounds: args.rounds, minMs },
    ...(tfjs ? { tfjsInfer: { run: tfjs.infer, rounds: args.tfjsRounds, minMs: 0 } } : {}),
  };
  globalThis.gc?.();
  const timed = interleavedRounds(engines, (name, r, ms) => progress(`${variant}: round ${r + 1}: ${report.ENGINES[name]} ${(args.batch * 1000 / ms).toFixed(1)} img/s`));
  for (const [name, { ms, samples }] of Object.entries(timed)) { row.ips[name] = args.batch * 1000 / ms; row.samples[name] = samples.length; }
  for (const e of [ours, ours2, tfjs]) e?.dispose();
  const counts = row.params.filter((p) => p != null);
  row.paramsAgree = counts.every((p) => p === counts[0]);
  rows.push(row);
  say(formatTable(report.mainTable([row])).split('\n')[2] + (row.paramsAgree ? '' : '  PARAMETER COUNTS DIFFER'));
}
m1.dispose();
m2?.dispose();

// 4. Each variant's step ÷ static's, every variant in each round (bench/train/step_ratios.mjs): the
// throughput rounds above time the variants one after another, so their ratio mixes time windows.
if (args.variants.includes('static') && args.variants.length > 1) {
  const ratioRounds = opt.quick ? 1 : 9;
  const stepRatios = await measureStepRatios(lib, backend, args.variants, data.nchw, {
    rounds: ratioRounds, steps: opt.quick ? 1 : 3, onRound: (r) => progress(`step ratios: round ${r + 1}/${ratioRounds} (every variant's step, CPU time)`),
  });
  for (const row of rows) row.stepRatio = stepRatios[row.variant]?.ratio ?? null;
  say(`step ÷ static, every variant in each of ${ratioRounds} rounds (CPU time, median of the rounds' ratios): ` +
    rows.map((r) => `${r.variant} ${r.stepRatio?.toFixed(3) ?? '—'}×`).join(', '));
}

// 5. Tables, targets, files.
const targetList = report.targets(rows, { threads: args.threads > 1 ? args.threads : 2 });
const targetLines = report.formatTargets(targetList);
say('\n' + formatTable(report.mainTable(rows)));
say('\n' + formatTable(report.ratioTable(rows)));
say('\n' + targetLines.join('\n'));
const meta = {
  date: new Date().toISOString(), node: process.version, execArgv: process.execArgv, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
  loadavg: { before: loadBefore, after: os.loadavg() }, command, batch: args.batch, args,
};
const notes = [
  `Ours: ${oursLabel} through the public API (dist/index.js), 1 thread; the training step also on ${m2 ? `${args.threads} threads` : `more threads: ${threadsNote}`}. Median of ${args.rounds} interleaved round(s), each sample repeating the call for ≥ ${opt.quick ? 0 : 500} ms.`,
  `PyTorch: ${torch.ok ? `${torch.note} (tools/bench_train_torch.py: warm-up, then repeated calls for ${args.torchSeconds} s)` : torch.note}.`,
  `TensorFlow.js: ${tfjsNote}; the same network in tfjs ops (NHWC, bench/train/tfjs_net.mjs), built from our weights; optimiser tf.train.momentum(0.05, 0.9, Nesterov) with weight decay added to the gradients; softmax cross entropy with label smoothing 0.1. It is slow: ${args.tfjsRounds} round(s) of exactly 1 call each (median of ${args.tfjsRounds} sample(s)); its JIT warmed by the check.`,
  `Check before timing (batch ${CHECK_BATCH}, TF.js vs ours, max |Δ| / max |ours| ≤ 1e-4): ${rows.map((r) => `${r.variant}: ${r.check ? r.check.note : 'not run'}`).join('; ')}.`,
  `Parameters: ${rows.map((r) => `${r.variant} ${r.params.map((p) => p ?? '—').join(' / ')} (ours / TF.js / PyTorch)${r.paramsAgree ? ' equal' : ' DIFFER'}`).join('; ')}.`,
  'Machine shared with other work: read the ratios (same rounds) rather than the absolute figures; PyTorch ran in its own window, before.',
];
const day = meta.date.slice(0, 10);
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const base = `${outDir}train-bench-${day}`;
writeFileSync(`${base}.json`, JSON.stringify({ meta, notes, rows, targets: targetList, torch: torch.result ?? null }, null, 2));
writeFileSync(`${base}.md`, report.markdown({ meta, rows, targetLines, notes }));
const chartEngines = [
  { name: 'ours', label: `dcd-wasm (${backend}, 1 thread)` }, { name: 'ours2', label: `dcd-wasm (${args.threads} threads, training)` },
  { name: 'torch', label: 'PyTorch (CPU, 1 thread)' }, { name: 'tfjs', label: 'TensorFlow.js (tfjs-backend-cpu)' },
];
writeFileSync(`${base}.svg`, logBarChartSvg({
  title: `bench:train — small CNN, batch ${args.batch}, ${meta.cpu}, Node ${meta.node}`,
  axisLabel: 'images per second (log scale; median of interleaved rounds, wall clock)',
  engines: chartEngines,
  groups: rows.flatMap((r) => [
    { label: `${r.variant} training`, values: { ours: r.ips.oursTrain ?? null, ours2: r.ips.ours2Train ?? null, torch: r.ips.torchTrain ?? null, tfjs: r.ips.tfjsTrain ?? null } },
    { label: `${r.variant} inference`, values: { ours: r.ips.oursInfer ?? null, torch: r.ips.torchInfer ?? null, tfjs: r.ips.tfjsInfer ?? null } },
  ]),
}));
say(`\nwritten: bench/results/train-bench-${day}.md, .svg, .json`);
