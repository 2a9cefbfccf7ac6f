// bench:train's tables, the issue-14 targets (MET / NOT MET from this run's figures) and the Markdown.
import { markdownTable } from '../lib/table.mjs';

const ips = (v) => (v == null ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const x = (v) => (v == null || !Number.isFinite(v) ? '—' : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`);
const div = (a, b) => (a == null || b == null ? null : a / b);
// a cell: the figure, or why there is none (FAIL, n/a …)
const cell = (row, key) => (row.ips[key] != null ? ips(row.ips[key]) : row.why[key] ?? '—');

export const ENGINES = {
  oursTrain: 'ours train', ours2Train: 'ours 2-thread train', torchTrain: 'PyTorch train', tfjsTrain: 'TF.js train',
  oursInfer: 'ours inference', torchInfer: 'PyTorch inference', tfjsInfer: 'TF.js inference',
};

export function mainTable(rows) {
  return [
    ['variant', 'parameters (ours / TF.js / PyTorch)', ...Object.values(ENGINES).map((l) => `${l} img/s`)],
    ...rows.map((r) => [r.variant, r.params.map((p) => (p == null ? '—' : p.toLocaleString('en-US'))).join(' / '),
      ...Object.keys(ENGINES).map((k) => cell(r, k))]),
  ];
}

export function ratioTable(rows) {
  const stat = rows.find((r) => r.variant === 'static');
  return [
    ['variant', 'train ÷ PyTorch', 'inference ÷ PyTorch', 'train ÷ TF.js', 'inference ÷ TF.js', '2 threads ÷ 1 (train)',
      'step time ÷ static (ours)', 'step time ÷ static (PyTorch)'],
    ...rows.map((r) => [
      r.variant, x(div(r.ips.oursTrain, r.ips.torchTrain)), x(div(r.ips.oursInfer, r.ips.torchInfer)),
      x(div(r.ips.oursTrain, r.ips.tfjsTrain)), x(div(r.ips.oursInfer, r.ips.tfjsInfer)), x(div(r.ips.ours2Train, r.ips.oursTrain)),
      x(r.stepRatio ?? (stat && div(stat.ips.oursTrain, r.ips.oursTrain))), x(stat && div(stat.ips.torchTrain, r.ips.torchTrain)),
    ]),
  ];
}

/** [{ name, met: true | false | null, figure }] for the issue-14 targets this run can judge. */
export function targets(rows, { threads }) {
  const out = [];
  const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
  const judge = (name, list, need, ratioOf, detail) => {
    const figures = list.map((r) => ({ r, v: ratioOf(r) }));
    const known = figures.filter((f) => f.v != null);
    if (!known.length) return out.push({ name, met: null, figure: 'not measured in this run' });
    const missing = figures.filter((f) => f.v == null).map((f) => f.r.variant);
    out.push({
      name, met: known.every((f) => f.v >= need) && !missing.length,
      figure: known.map((f) => `${f.r.variant} ${x(f.v)}${detail ? ` (${detail(f.r)})` : ''}`).join(', ') + (missing.length ? `; not measured: ${missing.join(', ')}` : ''),
    });
  };
  const pair = (a, b) => (r) => `${ips(r.ips[a])} vs ${ips(r.ips[b])} img/s`;
  for (const [variants, need] of [[['static', 'dcd'], 0.4], [['dy'], 1.5]]) {
    const list = variants.map((v) => by[v]).filter(Boolean);
    if (!list.length) continue;
    const named = list.map((r) => r.variant).join(' and ');
    judge(`${named} training ≥ ${need}× PyTorch's images/s (1 thread each)`, list, need, (r) => div(r.ips.oursTrain, r.ips.torchTrain), pair('oursTrain', 'torchTrain'));
    judge(`${named} inference ≥ ${need}× PyTorch's images/s (1 thread each)`, list, need, (r) => div(r.ips.oursInfer, r.ips.torchInfer), pair('oursInfer', 'torchInfer'));
  }
  if (by.dcd && by.static) {
    const name = "DCD's training step ≤ 1.15× the static network's (ours, 1 thread)";
    // the step-ratio phase's figure (every variant in each round); older records: the throughput rounds'
    const paired = by.dcd.stepRatio != null;
    const v = paired ? by.dcd.stepRatio : div(by.static.ips.oursTrain, by.dcd.ips.oursTrain), torch = div(by.static.ips.torchTrain, by.dcd.ips.torchTrain);
    out.push({ name, met: v == null ? null : v <= 1.15, figure: v == null ? 'not measured' : `${paired ? `${v.toFixed(3)}× (CPU time, both in each round)` : x(v)} (PyTorch's own ratio: ${torch == null ? 'n/a' : x(torch)})` });
  }
  judge('training step ≥ 20× TensorFlow.js (tfjs-backend-cpu, the fastest tfjs backend that trains it in Node)', rows, 20, (r) => div(r.ips.oursTrain, r.ips.tfjsTrain));
  judge('inference ≥ 20× TensorFlow.js (tfjs-backend-cpu)', rows, 20, (r) => div(r.ips.oursInfer, r.ips.tfjsInfer));
  judge(`${threads} threads ≥ 1.7× one thread on the training step (ours, init({ threads: ${threads} }), wall clock)`, rows, 1.7, (r) => div(r.ips.ours2Train, r.ips.oursTrain), pair('ours2Train', 'oursTrain'));
  return out;
}

export function formatTargets(list) {
  const mark = (t) => (t.met === true ? 'MET         ' : t.met === false ? 'NOT MET     ' : 'NOT MEASURED');
  return [`issue-14 targets (from this run): ${list.filter((t) => t.met).length} of ${list.length} met`,
    ...list.map((t) => `${mark(t)}  ${t.name}: ${t.figure}`)];
}

export function markdown({ meta, rows, targetLines, notes }) {
  const load = (l) => l.map((v) => v.toFixed(1)).join(' ');
  return [
    '# bench:train — one training step and one inference batch: dcd-wasm vs PyTorch vs TensorFlow.js',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpu} (${meta.cores} cores; load average ${load(meta.loadavg.before)} before, ${load(meta.loadavg.after)} after).`,
    `Command: \`${meta.command}\`. Batch ${meta.batch} of 1×28×28 images, 10 classes: the small CNN of \`smallCnn(m, { variant })\` (bindings/models/small_cnn.ts).`,
    'Training step = forward (BatchNorm on batch statistics) + cross entropy with label smoothing 0.1 + backward + SGD (lr 0.05, momentum 0.9 Nesterov, weight decay 5e-4) + zeroGrad; inference = eval-mode forward, logits read out.',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '## Images per second (higher is faster)',
    '',
    markdownTable(mainTable(rows)),
    '',
    '## Ratios',
    '',
    '"÷ PyTorch" and "÷ TF.js" = our images/s over theirs (> 1× means dcd-wasm is faster); "step time ÷ static" = that variant\'s training-step time over the static network\'s on the same engine — ours from the step-ratio phase (every variant\'s step in each round of one process, CPU time, the median of the rounds\' ratios), not from the images/s columns, which time the variants one after another.',
    '',
    markdownTable(ratioTable(rows)),
    '',
    '## Issue-14 targets judged by this run',
    '',
    '```',
    ...targetLines,
    '```',
    '',
  ].join('\n');
}
