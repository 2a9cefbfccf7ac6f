#!/usr/bin/env node
// bench:nets (issue 11 part 4) — whole networks, 224×224, single thread, batch 1 and 8: DCD-ResNet-18,
// DCD-ResNet-50, DCD-MobileNetV2 (width 1.0) and their static twins, this library (relaxed SIMD when
// the runtime validates it, and plain SIMD) vs ONNX Runtime Web 1.30 (wasm EP, 1 thread) running the
// ONNX export of the same PyTorch network with the same weights.
//
// - Weights: tools/fixtures/export_onnx.py writes build/onnx/<net>.onnx, the calibrated state dict as
//   <net>.safetensors (this library loads it) and PyTorch's logits of the first image as <net>.json.
//   They are not committed (13–115 MB each): missing ones are exported on first use, which needs
//   PyTorch (Debian's /usr/bin/python3, or PYTHON) and DCD_REPO (a clone of liyunsheng13/dcd). Without
//   them ONNX Runtime is skipped and this library is timed on its own seeded weights, calibrated once
//   and written to build/nets-seeded/<net>.safetensors (loaded the same way).
// - Check before timing, per network and batch: every engine's logits finite and vs PyTorch's (the
//   export records them for the 8 images; an image on which PyTorch itself is not finite is skipped); then this library's logits vs ONNX Runtime's (every image; SIMD vs relaxed SIMD instead
//   when ORT failed the first step) (max |Δ| / max |logit| ≤ 1e-4, the bound tests/bindings/networks.test.ts puts
//   on this library's logits vs PyTorch, or 10× the export's own float32 rounding noise when that is
//   larger — see NOISE_FACTOR). A failing engine is not timed; its cells say FAIL.
// - Timing: a DCD network and its static twin on every engine in the same interleaved rounds, medians
//   (bench/lib/timing_async.mjs), reported per image. Cold start (a fresh Node process: import + init +
//   build + load the safetensors file + first image; ORT: import + session from the .onnx + first
//   image) and peak linear memory (m.info().memoryBytes, one init() per network).
//
//   npm run bench:nets                     builds the library first, then: batch 1 and 8, every network
//   node bench/nets.mjs --batch 1          options: --batch 1,8  --rounds N (default 5)  --clock wall|cpu
//                                          --filter REGEX (network file names, e.g. resnet18)  --no-ort
//                                          --no-cold  --no-layers (skip the layer-by-layer engine)  --no-threads
//                                          (skip the 2-thread engine)  --quick (batch 1, 3 rounds)  --budget SECONDS per
//                                          family and batch (default 240; at least 3 rounds)
//   node bench/nets.mjs --render bench/results/nets-<date>.json   re-write that run's .md and .svg
// Writes bench/results/nets-<date>.md, .svg and .json (the full record).
import { setFlagsFromString } from 'node:v8';

// Node 20 validates relaxed SIMD only behind this flag; it takes effect for wasm compiled after it.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const { spawnSync } = await import('node:child_process');
const { readFileSync, statSync } = await import('node:fs');
const { dirname, join } = await import('node:path');
const { fileURLToPath } = await import('node:url');
const os = (await import('node:os')).default;
const { interleavedAsyncClocks } = await import('./lib/timing_async.mjs');
const { median } = await import('./lib/timing.mjs');
const { formatTable } = await import('./lib/table.mjs');
const { relaxedSimdValidates } = await import('./peers/relaxed.mjs');
const { ensurePeersInstalled } = await import('./peers/install.mjs');
const { FAMILIES, NETWORKS, SIZE, INPUT_TAG, hashInput, logitsError } = await import('./nets/networks.mjs');
const { ensureExports, exportPaths, seededWeights } = await import('./nets/exports.mjs');
const { createOurs, createOrt, configureOrt, LABELS } = await import('./nets/engines.mjs');
const report = await import('./nets/report.mjs');

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
if (args.render) { // re-write the Markdown and SVG of a finished run from its JSON record
  const result = JSON.parse(readFileSync(args.render, 'utf8'));
  const written = report.writeNetResults(join(here, 'results'), result, report.tablesFor(result, FAMILIES));
  console.log(`written: ${written.map((f) => `bench/results/${f}`).join(', ')}`);
  process.exit(0);
}
const MAX_REL_ERR = 1e-4;
// No float32 engine can agree with another much better than the network's own float32 rounding noise
// (the exporter's float32Noise: PyTorch float32 vs float64 logits, same weights and graph), which a
// chaotic random network amplifies far above 1e-4; for such an export the bound is 10× that noise.
const NOISE_FACTOR = 10;

// A live progress line in a terminal; plain lines in a log.
const tty = process.stdout.isTTY === true;
let statusShown = false;
const status = (s) => { if (tty) { process.stdout.write(`\r\x1b[K${s}`); statusShown = true; } };
const say = (s = '') => {
  if (statusShown) { process.stdout.write('\r\x1b[K'); statusShown = false; }
  process.stdout.write(`${s}\n`);
};
const progress = (s) => (tty ? status(s) : say(s));

const families = FAMILIES.filter((f) => !args.filter || args.filter.test(f.dcd) || args.filter.test(f.static));
const files = families.flatMap((f) => [f.dcd, f.static]);
if (!files.length) throw new Error(`bench:nets: --filter ${args.filter} matches no network (${Object.keys(NETWORKS).join(', ')})`);

const exportsState = ensureExports(files, say);
const weighted = exportsState.ok; // the exports' weights (else the library's seeded weights)
let ort = null, ortNote = args.ort ? null : 'skipped (--no-ort)';
if (args.ort && !weighted) ortNote = 'skipped: no ONNX exports (see the weights line)';
if (args.ort && weighted) {
  ensurePeersInstalled();
  ({ ort } = await import('./peers/engines/ort_module.mjs'));
  ortNote = configureOrt(ort);
}
const lib = await import('../dist/index.js');
const relaxedHere = relaxedSimdValidates();
const backends = relaxedHere ? ['wasm-relaxed-simd', 'wasm-simd'] : ['wasm-simd'];
const oursBest = backends[0];
// Planned on every backend, plus the best backend layer by layer (what the plan saves) and planned on
// 2 threads (what threads buy), unless switched off.
const ourEngines = [...backends, ...(args.layers ? ['layers'] : []), ...(args.threads ? ['threads'] : [])];
const relaxedNote = relaxedHere ? 'validated (V8 flag --experimental-wasm-relaxed-simd set by this script before any wasm compile)'
  : 'n/a: this runtime does not validate relaxed SIMD';
const timing = { rounds: args.rounds ?? (args.quick ? 3 : 5), minMs: 200, warmup: 0, budgetMs: args.budgetS * 1000, clock: args.clock };
const loadBefore = os.loadavg();

say(`dcd-wasm bench:nets — ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}, ${args.clock} clock, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`);
say(`weights: ${exportsState.note}`);
say(`relaxed SIMD: ${relaxedNote}; ONNX Runtime: ${ortNote}`);

// file → the safetensors file this library loads: the export's, or its own seeded weights (calibrated once)
const weightsPath = {};
for (const file of files) {
  weightsPath[file] = weighted ? exportPaths(file).safetensors : await seededWeights(lib, file, NETWORKS[file].make, hashInput, SIZE, say);
}

const rows = [], cold = {};
for (const fam of families) {
  const pair = [fam.dcd, fam.static];
  for (const file of pair) if (args.cold) cold[file] = coldStart(file);
  const engines = {}; // file → { engine name → engine }
  for (const file of pair) {
    engines[file] = {};
    const paths = exportPaths(file);
    for (const name of ourEngines) {
      progress(`${NETWORKS[file].label}: building on ${LABELS[name]} …`);
      engines[file][name] = await createOurs(lib, name, oursBest, file, weightsPath[file]);
    }
    if (ort) {
      progress(`${NETWORKS[file].label}: creating the ONNX Runtime session …`);
      engines[file].ort = await createOrt(ort, paths.onnx);
    }
  }
  for (const batch of args.batches) {
    const shape = [batch, 3, SIZE, SIZE];
    const x = hashInput(INPUT_TAG, batch * 3 * SIZE * SIZE); // image 0 is the export's 'input.eval'
    const runs = {}, famRows = [];
    for (const file of pair) {
      const row = await checkNetwork(file, batch, engines[file], x, shape);
      famRows.push(row);
      for (const [name, e] of Object.entries(engines[file])) {
        if (row.status[name] !== 'ok') continue;
        const key = `${file}/${name}`;
        let calls = 0;
        runs[key] = () => { if (tty) status(`${fam.family} N=${batch}: timing ${NETWORKS[file].label} on ${LABELS[name]} (call ${++calls})`); return e.run(x, shape); };
      }
    }
    progress(`${fam.family} N=${batch}: timing ${Object.keys(runs).length} engine × network pairs, ${timing.rounds} interleaved rounds …`);
    // The 2-thread engine on the wall clock whatever --clock says (process CPU time sums its threads).
    const clockOf = Object.fromEntries(Object.keys(runs).filter((k) => k.endsWith('/threads')).map((k) => [k, 'wall']));
    const t = await interleavedAsyncClocks(runs, { ...timing, clockOf });
    for (const row of famRows) {
      for (const name of Object.keys(row.status)) {
        const key = `${row.file}/${name}`;
        if (t.ms[key] == null) continue;
        row.msPerImage[name] = t.ms[key] / batch;
        row.wallMsPerImage[name] = t.wall[key] / batch;
        row.cpuMsPerImage[name] = t.cpu[key] / batch;
      }
      // What threads buy, paired by round on the wall clock: this VM's speed drifts by 20 % over a
      // minute, and the ratio of two medians taken from different moments moves with it (1.46–1.84× for
      // the same build within ten minutes); the median of per-round ratios follows the code.
      const one = t.samples[`${row.file}/${oursBest}`], two = t.samples[`${row.file}/threads`];
      if (one && two) row.threadsSpeedup = median(one.map((s, i) => s.wall / two[i].wall));
      for (const [name, e] of Object.entries(engines[row.file])) { const b = e.memoryBytes(); if (b != null) row.memoryBytes[name] = b; }
      row.plan = engines[row.file][oursBest].planMemory([row.batch, 3, SIZE, SIZE]);
      rows.push(row);
      say(formatTable([report.MAIN_HEADER, report.mainRow(row)]).split('\n')[2]);
    }
  }
  for (const file of pair) for (const e of Object.values(engines[file])) await e.dispose();
}

const result = {
  meta: {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
    loadavg: { before: loadBefore, after: os.loadavg() },
    command: `node bench/nets.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    timing, maxRelErr: MAX_REL_ERR, relaxedNote, coldBackend: oursBest, backends, ortChartLabel: ort ? `ONNX Runtime Web ${ort.env.versions.web} (wasm EP, 1 thread)` : null,
    engines: [...ourEngines.map((b) => LABELS[b]), ...(ort ? [ortNote] : [])],
    exportsNote: weighted
      ? `the exports' (tools/fixtures/export_onnx.py: hash weights, BatchNorm calibrated in PyTorch) — ONNX Runtime runs <net>.onnx, this library loads <net>.safetensors, the same tensors. ${exportsState.note}.`
      : `this library's seeded weights, BatchNorm calibrated on 16 hash images (build/nets-seeded/) — ${exportsState.note}`,
    path: 'planned: `planInference(net, { inputShape })` once per shape, then `plan.run(x, { out })`; "layer by layer" = `net.forward` on the module tree',
    checkNote: `every engine's logits finite and vs PyTorch's (the export records the logits of the batch's 8 images), then this library's vs ONNX Runtime's, every image (SIMD vs relaxed SIMD instead when ORT failed or is absent); max |Δlogit| / max |logit| ≤ ${MAX_REL_ERR}.` +
      ' 1e-4 is the bound tests/bindings/networks.test.ts puts on this library\'s logits vs PyTorch:' +
      ' float32 rounding through 20–50 layers (ORT folds BatchNorm into the convs and sums in another order) stays 1–2 orders below it on a well-conditioned network, a wrong layer or weight lands orders above.' +
      ` Where the export's own float32 rounding noise (PyTorch float32 vs float64 logits, same weights: the exporter's float32Noise) is larger — a chaotic random network — no float32 engine can do better than that noise, so the bound is ${NOISE_FACTOR}× it; the noise is listed below.`,
    float32Noise: weighted ? Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(exportPaths(f).json, 'utf8')).float32Noise ?? null])) : null,
    exports: weighted ? Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(exportPaths(f).json, 'utf8')).torch])) : null,
  },
  rows, cold: Object.fromEntries(Object.entries(cold).map(([f, c]) => [f, { ...c, ours: c.ours && { ...c.ours, logits: undefined }, ort: c.ort && { ...c.ort, logits: undefined } }])),
};
const tables = report.tablesFor(result, FAMILIES);
result.targets = tables.targets;
say('\n' + formatTable(tables.main));
say('\n' + formatTable(tables.ratios));
if (args.cold) say('\n' + formatTable(tables.cold));
say('\n' + tables.targets.join('\n'));
const written = report.writeNetResults(join(here, 'results'), result, tables);
say(`\nwritten: ${written.map((f) => `bench/results/${f}`).join(', ')}`);

/** Checks one network at one batch on every engine; returns its row (status, errors, weights size). */
async function checkNetwork(file, batch, netEngines, x, shape) {
  const row = {
    file, label: NETWORKS[file].label, batch, status: {}, msPerImage: {}, wallMsPerImage: {}, cpuMsPerImage: {}, memoryBytes: {},
    errVsOrt: null, errVsPytorch: null, errVsRelaxed: null, notes: [],
    weightsBytes: statSync(weightsPath[file]).size,
  };
  const logits = {};
  for (const [name, e] of Object.entries(netEngines)) {
    progress(`${row.label} N=${batch}: checking ${LABELS[name]} …`);
    try {
      logits[name] = await e.run(x, shape); // also the warm-up of the timing
      row.status[name] = 'ok';
    } catch (err) {
      row.status[name] = 'ERR';
      say(`${row.label} N=${batch}: ${name} failed: ${err.message}`);
    }
  }
  const record = weighted ? JSON.parse(readFileSync(exportPaths(file).json, 'utf8')) : null;
  const tol = row.tolerance = tolerance(file);
  row.float32Noise = record?.float32Noise ?? null;
  const fail = (name, why) => {
    row.status[name] = 'FAIL';
    row.notes.push(`${name}: ${why}`);
    say(`${row.label} N=${batch}: ${LABELS[name]} FAILS the check: ${why}`);
  };
  const classes = logits[Object.keys(logits)[0]]?.length / batch;
  // PyTorch's logits of the batch's first images (the export records 8; older exports only the first),
  // null where PyTorch itself is not finite: a random deep DCD network can diverge on some inputs. Those
  // images have no reference and are not compared; what each engine gives there is noted.
  const pytorch = record ? Float32Array.from(record.batchLogits ?? record.logits, (v) => (v == null ? NaN : v)) : null;
  const skipped = (record?.batchNonFinite ?? []).filter((i) => i < batch);
  const compared = [...Array(batch).keys()].filter((i) => !skipped.includes(i));
  const pick = (y, images) => {
    const out = new Float32Array(images.length * classes);
    images.forEach((img, j) => out.set(y.subarray(img * classes, (img + 1) * classes), j * classes));
    return out;
  };
  // 1. Every engine on its own: finite logits, and vs PyTorch's on the images it recorded.
  const withPytorch = pytorch ? compared.filter((i) => (i + 1) * classes <= pytorch.length) : [];
  for (const [name, y] of Object.entries(logits)) {
    const bad = compared.filter((i) => !y.subarray(i * classes, (i + 1) * classes).every(Number.isFinite));
    if (bad.length) { fail(name, `non-finite logits in image${bad.length > 1 ? 's' : ''} ${bad.join(', ')} of ${batch}`); continue; }
    if (!withPytorch.length) continue;
    const err = logitsError(pick(y, withPytorch), pick(pytorch, withPytorch));
    row.errVsPytorch = Math.max(row.errVsPytorch ?? 0, err);
    if (!(err <= tol)) fail(name, `vs PyTorch (images ${withPytorch.join(', ')}): max rel err ${err.toExponential(2)} > ${tol.toExponential(1)}`);
  }
  // 2. Every compared image: this library vs ONNX Runtime when ORT passed step 1, else SIMD vs relaxed SIMD.
  const ours = Object.keys(logits).filter((n) => n !== 'ort' && row.status[n] === 'ok');
  // The planned path vs the layer-by-layer path, same backend (the issue's ≤ 1e-5; a target line, not a failure).
  if (row.status.layers === 'ok' && row.status[oursBest] === 'ok') {
    row.errPlanVsLayers = logitsError(pick(logits[oursBest], compared), pick(logits.layers, compared));
  }
  if (row.status.ort === 'ok') {
    for (const name of ours) {
      const err = logitsError(pick(logits[name], compared), pick(logits.ort, compared));
      row.errVsOrt = Math.max(row.errVsOrt ?? 0, err);
      if (!(err <= tol)) fail(name, `vs ONNX Runtime: max rel err ${err.toExponential(2)} > ${tol.toExponential(1)}`);
    }
  } else if (row.status['wasm-simd'] === 'ok' && row.status['wasm-relaxed-simd'] === 'ok') {
    const err = row.errVsRelaxed = logitsError(pick(logits['wasm-simd'], compared), pick(logits['wasm-relaxed-simd'], compared));
    if (!(err <= tol)) fail('wasm-simd', `vs relaxed SIMD: max rel err ${err.toExponential(2)} > ${tol.toExponential(1)}`);
  }
  if (skipped.length) {
    const there = Object.entries(logits).map(([name, y]) =>
      `${name} ${skipped.every((i) => y.subarray(i * classes, (i + 1) * classes).every(Number.isFinite)) ? 'finite' : 'non-finite'}`);
    row.skipped = { images: skipped, engines: there };
    const note = `PyTorch's own logits are non-finite on image${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} (the random network diverges there): not compared; there ${there.join(', ')}`;
    row.notes.push(note);
    say(`${row.label} N=${batch}: ${note}`);
  }
  return row;
}

/** The check's bound for `file`: 1e-4, or NOISE_FACTOR × the export's float32 noise when larger. */
function tolerance(file) {
  const noise = weighted ? JSON.parse(readFileSync(exportPaths(file).json, 'utf8')).float32Noise : null;
  return Math.max(MAX_REL_ERR, NOISE_FACTOR * (noise ?? 0));
}

/** Cold starts of one network in fresh Node processes: this library's best backend, then ORT. */
function coldStart(file) {
  const paths = exportPaths(file);
  const child = (argv) => {
    const r = spawnSync(process.execPath, [join(here, 'nets', 'cold.mjs'), ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `status ${r.status}`).trim().split('\n').slice(-3).join(' | '));
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  const out = {};
  const pytorch = weighted ? Float32Array.from(JSON.parse(readFileSync(paths.json, 'utf8')).logits) : null;
  progress(`${NETWORKS[file].label}: cold start of ${LABELS[oursBest]} (a fresh process) …`);
  try {
    out.ours = child(['ours', oursBest, file, weightsPath[file]]);
    if (pytorch) out.ours.errVsPytorch = logitsError(Float32Array.from(out.ours.logits), pytorch);
  } catch (e) { out.oursError = 'ERR'; say(`${NETWORKS[file].label}: cold start (ours) failed: ${e.message}`); }
  if (ort) {
    progress(`${NETWORKS[file].label}: cold start of ONNX Runtime Web (a fresh process) …`);
    try {
      out.ort = child(['ort', file, paths.onnx]);
      if (pytorch) out.ort.errVsPytorch = logitsError(Float32Array.from(out.ort.logits), pytorch);
    } catch (e) { out.ortError = 'ERR'; say(`${NETWORKS[file].label}: cold start (ORT) failed: ${e.message}`); }
  }
  for (const [who, c] of [['ours', out.ours], ['ORT', out.ort]]) {
    if (c?.errVsPytorch != null && !(c.errVsPytorch <= tolerance(file))) say(`${NETWORKS[file].label}: cold start (${who}): first image's logits off PyTorch's by ${c.errVsPytorch.toExponential(2)}`);
  }
  return out;
}

function parseArgs(argv) {
  const out = { batches: [1, 8], rounds: null, clock: 'wall', filter: null, ort: true, cold: true, quick: false, budgetS: 240, layers: true, threads: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`bench:nets: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--batch') out.batches = value().split(',').map((v) => positiveInt(v, a));
    else if (a === '--rounds') out.rounds = positiveInt(value(), a);
    else if (a === '--budget') out.budgetS = positiveInt(value(), a);
    else if (a === '--filter') out.filter = new RegExp(value());
    else if (a === '--no-ort') out.ort = false;
    else if (a === '--render') out.render = value();
    else if (a === '--no-cold') out.cold = false;
    else if (a === '--no-layers') out.layers = false;
    else if (a === '--no-threads') out.threads = false;
    else if (a === '--quick') out.quick = true;
    else if (a === '--clock') {
      out.clock = value();
      if (out.clock !== 'wall' && out.clock !== 'cpu') throw new Error(`bench:nets: --clock takes wall or cpu, got "${out.clock}"`);
    } else throw new Error(`bench:nets: unknown argument "${a}" (see the header of bench/nets.mjs)`);
  }
  if (out.quick && !argv.includes('--batch')) out.batches = [1];
  return out;
}

function positiveInt(v, flag) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:nets: ${flag} takes positive integers, got "${v}"`);
  return n;
}
