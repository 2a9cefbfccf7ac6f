// Writes one bench:peers run: the full record as JSON (timestamped), and the latest Markdown table and
// SVG chart (overwritten each run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from '../../lib/table.mjs';
import { barChartSvg } from './svg.mjs';

/**
 * result: { meta, peak, rows, dcdLayer }; table / dcdTable: rows of strings (header first);
 * chart: { batch, engines: [{ name, label }] } — the rows of that batch, those engines.
 */
export function writePeerResults(outDir, result, { table, variantsTable, dcdTable, dcdTrainTable, targetLines, chart }) {
  const { meta } = result;
  mkdirSync(outDir, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `peers-${stamp}.json`), JSON.stringify(result, null, 2));
  const load = (l) => l.map((v) => v.toFixed(1)).join(' ');
  const clock = meta.timing.clock === 'cpu'
    ? 'process CPU time (`--clock cpu`) for every single-threaded engine; the threaded column on the wall clock (CPU time would sum its threads)'
    : 'wall-clock time';
  writeFileSync(join(outDir, 'peers-latest.md'), [
    '# bench:peers — forward conv2d with bias; this library vs XNNPACK vs ONNX Runtime Web',
    '',
    `${meta.date}, Node ${meta.node}${meta.execArgv.length ? ` (${meta.execArgv.join(' ')})` : ''}, ${meta.cpu} (${meta.cores} cores; load average ${load(meta.loadavg.before)} before, ${load(meta.loadavg.after)} after).`,
    `Command: \`node bench/peers.mjs ${meta.args.join(' ')}\`. Median of ${meta.timing.rounds} interleaved rounds; timed by ${clock}.`,
    `Engines: ${Object.values(meta.engines).join('; ')}.`,
    `Relaxed SIMD: ${meta.relaxed.note}.${meta.relaxed.peers ? ` Peers: ${meta.relaxed.peers.note}.` : ''}`,
    'The peers run on one thread (tfjs-backend-wasm and ONNX Runtime Web could use threads too; issue 5 compares single-threaded peers).',
    '"SIMD vs X" = time of X / time of dcd-wasm SIMD (> 1.00× means dcd-wasm is faster). "%peak" is against',
    'the mul+add peak loop timed in the same row\'s rounds; the relaxed build\'s "%peak (FMA)" against the relaxed_madd loop.',
    `Check: max relative error vs the JS reference (≤ ${meta.maxRelErr}).`,
    '',
    markdownTable(table),
    '',
    '## This library\'s variants: threads, backward, scalar, JS reference',
    '',
    `Same rows and rounds as above. ${meta.threads.count ? `"${meta.threads.count} threads" = \`init({ threads: ${meta.threads.count} })\` (dense shapes only), on the wall clock; the speedup is the 1-thread SIMD engine's wall time / the threaded one's, both timed in rounds of their own after a full GC, so that V8's GC threads cleaning up after the JS reference do not hold the second core ("best" = fastest samples, the calls that had the cores).` : `Threads: ${meta.threads.note}.`}`,
    'Backward = conv2dBackward (dx + dW + db) of the SIMD build for a fixed dy (GFLOP/s counted as 2× the forward\'s flops), checked against the JS reference\'s backward;',
    'the peers have no training kernels in these packages (tfjs-backend-wasm and ONNX Runtime Web\'s wasm build are inference engines), so there is no peer column.',
    '',
    markdownTable(variantsTable),
    '',
    ...(dcdTable ? [
      '## DCD layer',
      '',
      'Eval-mode forward; "DCD/conv" = layer time / the static conv of the same shape on the same engine;',
      '"vs tfjs-ops DCD" = tfjs-ops time / dcd-wasm time (> 1.00× means dcd-wasm is faster).',
      '', markdownTable(dcdTable), '',
    ] : []),
    ...(dcdTrainTable ? [
      'Training (this library only): train-mode forward (batch statistics) and backward (dx and every parameter\'s gradient) timed separately in the same rounds;',
      'the training step is checked against the JS backend\'s (y, dx, conv.weight\'s gradient).',
      '', markdownTable(dcdTrainTable), '',
    ] : []),
    '## Issue-5 targets',
    '',
    '```',
    ...targetLines,
    '```',
    '',
  ].join('\n'));
  writeFileSync(join(outDir, 'peers-latest.svg'), barChartSvg({
    title: `conv2d forward, batch ${chart.batch}, single thread — ${meta.cpu}, Node ${meta.node}`,
    engines: chart.engines,
    peak: result.peak.mulAdd,
    groups: result.rows.filter((r) => r.batch === chart.batch).map((r) => ({
      label: r.layer,
      values: Object.fromEntries(chart.engines.map((e) => [e.name, r.status[e.name] === 'ok' ? r.gflops[e.name] : null])),
    })),
  }));
  return [`peers-${stamp}.json`, 'peers-latest.md', 'peers-latest.svg'];
}
