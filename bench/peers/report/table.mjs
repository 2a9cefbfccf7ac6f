// The peers tables.
// 1. One row per (layer, batch): ms, GFLOP/s and % of the peak loop for this library's SIMD and relaxed
//    SIMD builds and for each peer, and the speed of each build relative to each peer (time of the peer
//    / time of dcd-wasm, so > 1.00× means dcd-wasm is faster). The relaxed build's %peak is against the
//    relaxed_madd peak loop, the others' against the mul+add loop (each timed in the row's rounds).
// 2. This library's other variants, same rows: SIMD on N threads (wall clock) and its speedup over
//    1 thread, the backward (dx + dW + db) and its time ÷ the forward's, scalar and the JS reference.
import { fmt } from '../../lib/table.mjs';

export const HEADER = [
  'layer', 'N',
  'SIMD ms', 'GFLOP/s', '%peak',
  'relaxed ms', 'GFLOP/s', '%peak (FMA)',
  'XNNPACK ms', 'GFLOP/s', '%peak',
  'ORT ms', 'GFLOP/s', '%peak',
  'SIMD vs XNNPACK', 'SIMD vs ORT', 'relaxed vs XNNPACK', 'relaxed vs ORT', 'check',
];
const SIMD = 'wasm-simd', RELAXED = 'wasm-relaxed-simd';

const cellOf = (r) => (name, f) => (r.status[name] == null ? '–' : r.status[name] !== 'ok' ? r.status[name] : r.ms[name] == null ? '–' : f(name));

export function tableRow(r) {
  const cell = cellOf(r);
  const ms = (n) => cell(n, () => fmt.ms(r.ms[n]));
  const gf = (n) => cell(n, () => fmt.gflops(r.gflops[n]));
  const pct = (n, peak = r.peakGflops) => cell(n, () => `${Math.round((100 * r.gflops[n]) / peak)}%`);
  const vs = (ours, peer) => (r.status[ours] === 'ok' && r.status[peer] === 'ok' && r.ms[ours] && r.ms[peer] ? ratio(r.ms[peer] / r.ms[ours]) : '–');
  return [
    r.layer, String(r.batch),
    ms(SIMD), gf(SIMD), pct(SIMD),
    ms(RELAXED), gf(RELAXED), r.peakRelaxedGflops ? pct(RELAXED, r.peakRelaxedGflops) : '–',
    ms('xnnpack'), gf('xnnpack'), pct('xnnpack'),
    ms('ort'), gf('ort'), pct('ort'),
    vs(SIMD, 'xnnpack'), vs(SIMD, 'ort'), vs(RELAXED, 'xnnpack'), vs(RELAXED, 'ort'),
    checkCell(r),
  ];
}

/** Geometric means over the rows where SIMD and both peers passed and were timed. */
export function geomeanRow(rows, label) {
  const usable = rows.filter((r) => [SIMD, 'xnnpack', 'ort'].every((n) => r.status[n] === 'ok'));
  if (!usable.length) return null;
  const gm = (n) => Math.exp(usable.reduce((s, r) => s + Math.log(r.gflops[n]), 0) / usable.length);
  const has = (n) => usable.every((r) => r.status[n] === 'ok' && r.gflops[n] != null);
  const gmPeak = (key) => Math.exp(usable.reduce((s, r) => s + Math.log(r[key]), 0) / usable.length);
  const pct = (n, key = 'peakGflops') => `${Math.round((100 * gm(n)) / gmPeak(key))}%`;
  const relaxed = has(RELAXED);
  return [
    `${label} (${usable.length} rows)`, '',
    '', fmt.gflops(gm(SIMD)), pct(SIMD),
    '', relaxed ? fmt.gflops(gm(RELAXED)) : '–', relaxed && usable.every((r) => r.peakRelaxedGflops) ? pct(RELAXED, 'peakRelaxedGflops') : '–',
    '', fmt.gflops(gm('xnnpack')), pct('xnnpack'),
    '', fmt.gflops(gm('ort')), pct('ort'),
    ratio(gm(SIMD) / gm('xnnpack')), ratio(gm(SIMD) / gm('ort')),
    relaxed ? ratio(gm(RELAXED) / gm('xnnpack')) : '–', relaxed ? ratio(gm(RELAXED) / gm('ort')) : '–', '',
  ];
}

/** A peak loop's row: its GFLOP/s in the SIMD column (mul+add) or the relaxed column (relaxed_madd). */
export function peakRow(label, gflops, note = '', relaxed = false) {
  const row = Array(HEADER.length).fill('');
  row[0] = label;
  row[relaxed ? 6 : 3] = gflops == null ? 'n/a' : fmt.gflops(gflops);
  row[relaxed ? 7 : 4] = gflops == null ? '' : '100%';
  row[HEADER.length - 1] = note;
  return row;
}

export const VARIANTS_HEADER = (threaded) => [
  'layer', 'N', 'SIMD fwd ms',
  ...(threaded ? [`${threaded.threads} threads ms (wall)`, '1 thread ms (wall)', `${threaded.threads}t speedup (median)`, '(best)'] : []),
  'bwd ms', 'bwd GFLOP/s', 'bwd ÷ fwd',
  'scalar GFLOP/s', 'JS GFLOP/s', 'SIMD ÷ JS',
];

export function variantsRow(r, threaded) {
  const cell = cellOf(r);
  const t = r.threads;
  const bwd = r.backward;
  return [
    r.layer, String(r.batch), cell(SIMD, () => fmt.ms(r.ms[SIMD])),
    ...(threaded ? (t
      ? [fmt.ms(r.wallMs[t.name]), fmt.ms(t.oneThreadWallMs), ratio(t.speedup), ratio(t.speedupBest)]
      : [r.depthwise ? 'dense only' : cell(threaded.name, () => '–'), '', '', '']) : []),
    bwd ? fmt.ms(bwd.ms) : (r.status['wasm-simd backward'] ?? '–'),
    bwd ? fmt.gflops(r.gflops['wasm-simd backward']) : '–',
    bwd ? ratio(bwd.overForward) : '–',
    cell('wasm-scalar', () => fmt.gflops(r.gflops['wasm-scalar'])),
    cell('js', () => fmt.gflops(r.gflops.js)),
    r.ms.js && r.status[SIMD] === 'ok' ? ratio(r.ms.js / r.ms[SIMD]) : '–',
  ];
}

const ratio = (v) => `${v.toFixed(2)}×`;

function checkCell(r) {
  const failed = Object.entries(r.status).filter(([, s]) => s !== 'ok').map(([n, s]) => `${n} ${s}`);
  if (failed.length) return failed.join('; ');
  const worst = Math.max(...Object.values(r.maxRelErr));
  return `ok ${worst.toExponential(0)}`;
}
