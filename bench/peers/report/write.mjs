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
export function writePeerResults(outDir, result, { table, dcdTable, chart }) {
  const { meta } = result;
  mkdirSync(outDir, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `peers-${stamp}.json`), JSON.stringify(result, null, 2));
  const load = (l) => l.map((v) => v.toFixed(1)).join(' ');
  writeFileSync(join(outDir, 'peers-latest.md'), [
    '# bench:peers — forward conv2d with bias, single thread',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpu} (${meta.cores} cores; load average ${load(meta.loadavg.before)} before, ${load(meta.loadavg.after)} after).`,
    `Command: \`node bench/peers.mjs ${meta.args.join(' ')}\`. Median of ${meta.timing.rounds} interleaved rounds.`,
    `Engines: ${Object.values(meta.engines).join('; ')}.`,
    '"SIMD vs X" = time of X / time of dcd-wasm SIMD (> 1.00× means dcd-wasm is faster). "%peak" is against',
    `the peak loop timed in the same row's rounds. Check: max relative error vs the JS reference (≤ ${meta.maxRelErr}).`,
    '',
    markdownTable(table),
    '',
    ...(dcdTable ? [
      'DCD layer, eval-mode forward; "DCD/conv" = layer time / the static conv of the same shape on the same engine;',
      '"dcd DCD vs tfjs-ops DCD" = tfjs-ops time / dcd-wasm time (> 1.00× means dcd-wasm is faster).',
      '', markdownTable(dcdTable), '',
    ] : []),
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
