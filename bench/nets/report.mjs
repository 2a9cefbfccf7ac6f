// The bench:nets tables, targets and files: bench/results/nets-<date>.{md,svg,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, markdownTable } from '../lib/table.mjs';
import { barChartSvg } from '../peers/report/svg.mjs';
import { NETWORKS } from './networks.mjs';
import { LABELS } from './engines.mjs';

const RELAXED = 'wasm-relaxed-simd', SIMD = 'wasm-simd', ORT = 'ort', LAYERS = 'layers', THREADS = 'threads';
const ratio = (v) => (v == null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
const mib = (b) => (b == null ? '—' : (b / 2 ** 20).toFixed(0));
const ok = (row, e) => row.status[e] === 'ok' && row.msPerImage[e] != null;
const cell = (row, e) => (row.status[e] == null ? '—' : row.status[e] !== 'ok' ? row.status[e] : fmt.ms(row.msPerImage[e]));
const vs = (row, ours, peer) => (ok(row, ours) && ok(row, peer) ? ratio(row.msPerImage[peer] / row.msPerImage[ours]) : '—');

export const MAIN_HEADER = [
  'network', 'N', 'relaxed ms/img', 'SIMD ms/img', 'ORT ms/img', 'ORT ÷ relaxed', 'ORT ÷ SIMD',
  'layer by layer ms/img', 'layers ÷ plan', '2 threads ms/img', '1 ÷ 2 threads',
  'plan peak MiB', 'weights MiB', 'check (max rel err)',
];

export function mainRow(r) {
  const best = ok(r, RELAXED) ? RELAXED : SIMD;
  return [
    r.label, String(r.batch), cell(r, RELAXED), cell(r, SIMD), cell(r, ORT), vs(r, RELAXED, ORT), vs(r, SIMD, ORT),
    cell(r, LAYERS), vs(r, best, LAYERS), cell(r, THREADS), ok(r, THREADS) && ok(r, best) ? `${threadsSpeedup(r, best).toFixed(2)}×` : '—',
    mibDecimal(r.plan?.peakBytes), mib(r.weightsBytes), checkCell(r),
  ];
}

/** 1 thread's time ÷ 2 threads': the median of the rounds' wall-clock ratios (older records: of the medians). */
const threadsSpeedup = (r, best) => r.threadsSpeedup ?? (r.wallMsPerImage?.[best] ?? r.msPerImage[best]) / (r.wallMsPerImage?.[THREADS] ?? r.msPerImage[THREADS]);

const mibDecimal = (b) => (b == null ? '—' : (b / 2 ** 20).toFixed(1));

function checkCell(r) {
  const bad = Object.entries(r.status).filter(([, s]) => s !== 'ok').map(([e, s]) => `${e} ${s}`);
  const errs = [];
  if (r.errVsOrt != null) errs.push(`vs ORT ${r.errVsOrt.toExponential(1)}`);
  if (r.errVsPytorch != null) errs.push(`vs PyTorch ${r.errVsPytorch.toExponential(1)}`);
  if (r.errVsRelaxed != null) errs.push(`SIMD vs relaxed ${r.errVsRelaxed.toExponential(1)}`);
  if (r.errPlanVsLayers != null) errs.push(`plan vs layers ${r.errPlanVsLayers.toExponential(1)}`);
  const skipNote = r.skipped ? ` — PyTorch non-finite on image${r.skipped.images.length > 1 ? 's' : ''} ${r.skipped.images.join(', ')}, not compared (there: ${r.skipped.engines.join(', ')})` : '';
  const fails = (r.notes ?? []).filter((n) => !n.startsWith('PyTorch'));
  const head = bad.length ? `${(fails.length ? fails : bad).join('; ')};` : 'ok';
  return `${head} ${errs.join(', ')}${r.tolerance > 1e-4 ? ` (bound ${r.tolerance.toExponential(0)} = 10× the export's float32 noise)` : ''}${skipNote}`;
}

export const RATIO_HEADER = ['family', 'N', 'relaxed DCD ÷ static', 'SIMD DCD ÷ static', 'ORT DCD ÷ static'];

/** DCD time / static time per family and batch, for each engine (both timed in the same rounds). */
export function ratioRows(families, rows) {
  const out = [];
  for (const f of families) {
    for (const batch of [...new Set(rows.map((r) => r.batch))]) {
      const d = rows.find((r) => r.file === f.dcd && r.batch === batch), s = rows.find((r) => r.file === f.static && r.batch === batch);
      if (!d || !s) continue;
      const q = (e) => (ok(d, e) && ok(s, e) ? ratio(d.msPerImage[e] / s.msPerImage[e]) : '—');
      out.push([f.family, String(batch), q(RELAXED), q(SIMD), q(ORT)]);
    }
  }
  return out;
}

export const COLD_HEADER = ['network', 'ours: init', 'build', 'load weights', 'plan', 'first image', 'total', 'memory MiB', 'ORT: init', 'session', 'first image', 'total', 'ORT ÷ ours'];

export function coldRow(label, cold) {
  const o = cold.ours, p = cold.ort;
  const ph = (c, k) => (c?.phases?.[k] == null ? '—' : fmt.ms(c.phases[k]));
  return [
    label, ph(o, 'init'), ph(o, 'build'), o?.phases?.load != null ? ph(o, 'load') : ph(o, 'calibrate'), ph(o, 'plan'), ph(o, 'first'),
    o ? fmt.ms(o.totalMs) : (cold.oursError ?? '—'), mib(o?.memoryBytes),
    ph(p, 'init'), ph(p, 'load'), ph(p, 'first'), p ? fmt.ms(p.totalMs) : (cold.ortError ?? '—'),
    o && p ? ratio(p.totalMs / o.totalMs) : '—',
  ];
}

/** The issue-11 targets this benchmark can judge, computed from this run. */
export function targetLines(families, rows, { oursBest }) {
  const lines = [];
  const at1 = rows.filter((r) => r.batch === 1);
  for (const r of at1) {
    const need = r.file === 'mobilenetv2_dcd' ? 2 : 1.5;
    if (!ok(r, oursBest) || !ok(r, ORT)) { lines.push(`n/a      ${r.label}, batch 1: ≥ ${need}× faster than ORT (not both timed)`); continue; }
    const v = r.msPerImage[ORT] / r.msPerImage[oursBest];
    lines.push(`${v >= need ? 'MET    ' : 'NOT MET'}  ${r.label}, batch 1: ≥ ${need}× faster than ONNX Runtime Web — ${v.toFixed(2)}× (${fmt.ms(r.msPerImage[oursBest])} vs ${fmt.ms(r.msPerImage[ORT])} ms)`);
  }
  for (const f of families) {
    const d = at1.find((r) => r.file === f.dcd), s = at1.find((r) => r.file === f.static);
    if (!d || !s || !ok(d, oursBest) || !ok(s, oursBest)) continue;
    const v = d.msPerImage[oursBest] / s.msPerImage[oursBest];
    lines.push(`${v <= 1.15 ? 'MET    ' : 'NOT MET'}  ${d.label} ≤ 1.15× the time of ${s.label} (batch 1, ${oursBest}) — ${v.toFixed(2)}×`);
  }
  for (const r of at1.filter((row) => /ResNet/.test(row.label))) {
    if (!ok(r, THREADS) || !ok(r, oursBest)) continue;
    const v = threadsSpeedup(r, oursBest);
    lines.push(`${v >= 1.7 ? 'MET    ' : 'NOT MET'}  ${r.label}, batch 1: 2 threads ≥ 1.7× one thread — ${v.toFixed(2)}× (median of the rounds' ratios, wall clock; medians ${fmt.ms(r.wallMsPerImage[THREADS])} vs ${fmt.ms(r.wallMsPerImage[oursBest])} ms)`);
  }
  for (const r of rows) {
    const p = r.plan;
    if (!p || p.peakBytes == null) continue;
    const bound = p.weightBytes + 3 * p.largestActivationBytes + p.workspaceBytes;
    lines.push(`${p.peakBytes <= bound ? 'MET    ' : 'NOT MET'}  ${r.label}, batch ${r.batch}: plan peak ≤ weights + 3 × largest activation + workspace — ` +
      `${mibDecimal(p.peakBytes)} MiB ≤ ${mibDecimal(p.weightBytes)} + 3 × ${mibDecimal(p.largestActivationBytes)} + ${mibDecimal(p.workspaceBytes)} = ${mibDecimal(bound)} MiB (arena ${mibDecimal(p.arenaBytes)} MiB)`);
  }
  for (const r of rows) {
    if (r.errPlanVsLayers == null) continue;
    // Folding BatchNorm re-rounds every conv: no closer than the network's own float32 rounding noise
    // (PyTorch float32 vs float64 on the same weights, recorded by the export) can two float32 paths agree.
    const noise = r.float32Noise ?? 0, bound = Math.max(1e-5, noise);
    lines.push(`${r.errPlanVsLayers <= bound ? 'MET    ' : 'NOT MET'}  ${r.label}, batch ${r.batch}: planned logits = layer by layer (≤ 1e-5 relative` +
      `${noise > 1e-5 ? `, or the export's own float32 noise ${noise.toExponential(1)} when larger` : ''}) — ${r.errPlanVsLayers.toExponential(1)}`);
  }
  return lines;
}

/** Every table of a run's record (result: { meta, rows, cold }), for the console and the files. */
export function tablesFor(result, allFamilies) {
  const { meta, rows, cold } = result;
  const engines = [...new Set(rows.flatMap((r) => Object.keys(r.status)))];
  // older records lack meta.backends / ortChartLabel: read them off the rows and the engine labels
  const backends = meta.backends ?? [RELAXED, SIMD].filter((b) => engines.includes(b));
  const ortLabel = meta.ortChartLabel ?? `ONNX Runtime Web ${(meta.engines.join(' ').match(/ONNX Runtime Web ([\d.]+)/) ?? [])[1] ?? ''} (wasm EP, 1 thread)`;
  const families = allFamilies.filter((f) => rows.some((r) => r.file === f.dcd || r.file === f.static));
  const files = families.flatMap((f) => [f.dcd, f.static]);
  return {
    main: [MAIN_HEADER, ...rows.map(mainRow)],
    ratios: [RATIO_HEADER, ...ratioRows(families, rows)],
    cold: [COLD_HEADER, ...files.filter((f) => cold[f]).map((f) => coldRow(NETWORKS[f].label, cold[f]))],
    targets: targetLines(families, rows, { oursBest: backends[0] }),
    chartEngines: [...backends, ...(engines.includes(ORT) ? [ORT] : [])]
      .map((name) => ({ name, label: name === ORT ? ortLabel : `${LABELS[name]} (1 thread)` })),
  };
}

export function writeNetResults(outDir, result, tables) {
  mkdirSync(outDir, { recursive: true });
  const { meta } = result;
  const day = meta.date.slice(0, 10);
  const load = (l) => l.map((v) => v.toFixed(1)).join(' ');
  writeFileSync(join(outDir, `nets-${day}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(outDir, `nets-${day}.md`), [
    '# bench:nets — whole networks, 224×224, single thread: dcd-wasm vs ONNX Runtime Web',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpu} (${meta.cores} cores; load average ${load(meta.loadavg.before)} before, ${load(meta.loadavg.after)} after).`,
    `Command: \`${meta.command}\`. Median of ${meta.timing.rounds} interleaved rounds (DCD network and static twin, every engine, in the same rounds); timed by ${meta.timing.clock === 'cpu' ? 'process CPU time' : 'the wall clock'}.`,
    `Engines: ${meta.engines.join('; ')}. Relaxed SIMD: ${meta.relaxedNote}.`,
    `Weights: ${meta.exportsNote}`,
    `Per call: ours = ${meta.path}; ORT = \`session.run({ input })\` and the logits read out. Both copy the input in and the logits out.`,
    `Check before timing: ${meta.checkNote}`,
    ...(meta.float32Noise ? [`Float32 noise of each export (PyTorch float32 vs float64 logits): ${Object.entries(meta.float32Noise).map(([f, v]) => `${f} ${v == null ? 'not recorded (old export)' : v.toExponential(1)}`).join(', ')}.`] : []),
    '',
    '## ms per image',
    '',
    '"ORT ÷ X" = ONNX Runtime Web\'s time / this library\'s (> 1.00× means dcd-wasm is faster); "layers ÷ plan" = the layer-by-layer path\'s time / the planned path\'s; "1 ÷ 2 threads" = one thread\'s time / two threads\' on the wall clock, the median of the rounds\' ratios (each round times both). Plan peak = the bytes the relaxed engine\'s plan allocated at its high-water mark (folded weights + activation arena + workspace + the transients of the steps that run modules as they are: `memoryStats().peakAllocatedBytes` from just before `planInference` to after its runs); weights = the safetensors file.',
    '',
    markdownTable(tables.main),
    '',
    '## DCD vs its static twin',
    '',
    'Time of the DCD network / time of the static twin on the same engine (the paper\'s multiply-adds predict about 1.09× for MobileNetV2).',
    '',
    markdownTable(tables.ratios),
    '',
    '## Cold start (batch 1, a fresh Node process each)',
    '',
    `ours (${meta.coldBackend}): import the bundle + \`init()\` (wasm compile) → build the network → read + parse the safetensors file, \`loadStateDict\`, \`eval()\` → \`planInference\` → first image. ORT: import + configure → \`InferenceSession.create\` from the .onnx file (read included; ORT compiles its wasm here, on first use) → first image. Memory = \`m.info().memoryBytes\` after the first image.`,
    '',
    markdownTable(tables.cold),
    '',
    '## Issue-11 targets judged by this run',
    '',
    '```',
    ...tables.targets,
    '```',
    '',
  ].join('\n'));
  writeFileSync(join(outDir, `nets-${day}.svg`), barChartSvg({
    title: `whole networks, 224×224, 1 thread: ms per image (shorter is faster); ${meta.cpu}, Node ${meta.node}`,
    axisLabel: `ms per image (median of interleaved rounds, ${meta.timing.clock === 'cpu' ? 'CPU time' : 'wall clock'})`,
    engines: tables.chartEngines,
    peak: null,
    groups: result.rows.map((r) => ({
      label: `${r.label} N=${r.batch}`,
      values: Object.fromEntries(tables.chartEngines.map((e) => [e.name, ok(r, e.name) ? r.msPerImage[e.name] : null])),
    })),
  }));
  return [`nets-${day}.md`, `nets-${day}.svg`, `nets-${day}.json`];
}
