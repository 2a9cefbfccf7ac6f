// The peers table: one row per (layer, batch), GFLOP/s and % of the peak loop for each engine,
// and the speed of dcd-wasm SIMD relative to each peer (time of the peer / time of dcd-wasm SIMD,
// so > 1.00× means dcd-wasm is faster).
import { fmt } from '../../lib/table.mjs';

export const HEADER = [
  'layer', 'N',
  'SIMD ms', 'GFLOP/s', '%peak',
  'XNNPACK ms', 'GFLOP/s', '%peak',
  'ORT ms', 'GFLOP/s', '%peak',
  'scalar GFLOP/s', 'JS GFLOP/s',
  'SIMD vs XNNPACK', 'SIMD vs ORT', 'check',
];

export function tableRow(r) {
  const cell = (name, f) => (r.status[name] == null ? '–' : r.status[name] !== 'ok' ? r.status[name] : r.ms[name] == null ? '–' : f(name));
  const ms = (n) => cell(n, () => fmt.ms(r.ms[n]));
  const gf = (n) => cell(n, () => fmt.gflops(r.gflops[n]));
  const pct = (n) => cell(n, () => `${Math.round((100 * r.gflops[n]) / r.peakGflops)}%`);
  const vs = (peer) => (r.status['wasm-simd'] === 'ok' && r.status[peer] === 'ok' ? ratio(r.ms[peer] / r.ms['wasm-simd']) : '–');
  return [
    r.layer, String(r.batch),
    ms('wasm-simd'), gf('wasm-simd'), pct('wasm-simd'),
    ms('xnnpack'), gf('xnnpack'), pct('xnnpack'),
    ms('ort'), gf('ort'), pct('ort'),
    gf('wasm-scalar'), gf('js'),
    vs('xnnpack'), vs('ort'),
    checkCell(r),
  ];
}

/** Geometric means of GFLOP/s over the rows where every engine passed and was timed. */
export function geomeanRow(rows, label) {
  const usable = rows.filter((r) => ['wasm-simd', 'xnnpack', 'ort'].every((n) => r.status[n] === 'ok'));
  if (!usable.length) return null;
  const gm = (n) => Math.exp(usable.reduce((s, r) => s + Math.log(r.gflops[n]), 0) / usable.length);
  const gmOrDash = (n) => (usable.every((r) => r.status[n] === 'ok' && r.gflops[n] != null) ? fmt.gflops(gm(n)) : '–');
  const peak = Math.exp(usable.reduce((s, r) => s + Math.log(r.peakGflops), 0) / usable.length);
  const pct = (n) => `${Math.round((100 * gm(n)) / peak)}%`;
  return [
    `${label} (${usable.length} rows)`, '',
    '', fmt.gflops(gm('wasm-simd')), pct('wasm-simd'),
    '', fmt.gflops(gm('xnnpack')), pct('xnnpack'),
    '', fmt.gflops(gm('ort')), pct('ort'),
    gmOrDash('wasm-scalar'), gmOrDash('js'),
    ratio(gm('wasm-simd') / gm('xnnpack')), ratio(gm('wasm-simd') / gm('ort')), '',
  ];
}

export function peakRow(label, gflops, note = '') {
  const row = Array(HEADER.length).fill('');
  row[0] = label;
  row[3] = gflops == null ? 'n/a' : fmt.gflops(gflops);
  row[4] = gflops == null ? '' : '100%';
  row[HEADER.length - 1] = note;
  return row;
}

const ratio = (v) => `${v.toFixed(2)}×`;

function checkCell(r) {
  const failed = Object.entries(r.status).filter(([, s]) => s !== 'ok').map(([n, s]) => `${n} ${s}`);
  if (failed.length) return failed.join('; ');
  const worst = Math.max(...Object.values(r.maxRelErr));
  return `ok ${worst.toExponential(0)}`;
}
