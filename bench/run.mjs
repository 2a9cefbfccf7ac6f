#!/usr/bin/env node
// dcd-wasm benchmark: every engine of this library side by side, in one process, interleaved rounds,
// medians; each engine's outputs are checked against the TypeScript reference before it is timed.
//
//   npm run bench                         all suites, batch 1
//   node bench/run.mjs --batch 1,8        more batch sizes
//   node bench/run.mjs --quick            three shapes, fewer rounds (a smoke run)
//   node bench/run.mjs --filter 3x3       only rows whose layer name matches
//   node bench/run.mjs --suite conv2d     only one suite
//   node --experimental-wasm-relaxed-simd bench/run.mjs   adds the relaxed-SIMD build's columns (Node 20)
//   node bench/run.mjs --clock cpu        time with process CPU time instead of wall-clock time: use it on
//                                         a machine shared with other work (every engine here is single-threaded)
//   node bench/run.mjs --rounds 15        more interleaved rounds (default 7; --quick: 3)
//   node bench/run.mjs --no-save          print the tables only (what `npx dcd-wasm bench` runs)
//
// Writes bench/results/<suite>-<timestamp>.json and bench/results/latest.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { init, relaxedSimdSupported } from '../dist/index.js';
import { interleaved } from './lib/timing.mjs';
import { formatTable, markdownTable, fmt } from './lib/table.mjs';
import { maxRelativeError } from './lib/check.mjs';
import { SUITES } from './suites.mjs';

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message); // one line, not a stack trace
  process.exit(2);
}
// the relaxed-SIMD build where this runtime validates it (Node 20: only with the flag above)
const RELAXED = relaxedSimdSupported();
const ENGINE_ORDER = [...(RELAXED ? ['wasm-relaxed-simd'] : []), 'wasm-simd', 'wasm-scalar', 'js'];
const REFERENCE = 'js';
// Outputs may differ from the reference by float32 summation order only.
const MAX_REL_ERR = 1e-4;

const engines = {};
for (const backend of ENGINE_ORDER) engines[backend] = await init({ backend });

const results = [];
const table = [[
  'layer', 'pass', 'N', ...(RELAXED ? ['relaxed ms', 'GFLOP/s'] : []),
  'SIMD ms', 'GFLOP/s', 'scalar ms', 'GFLOP/s', 'JS ms', 'GFLOP/s',
  'SIMD/JS', 'SIMD/scalar', 'SIMD ÷ base', 'max rel err',
]];

const suites = SUITES.filter((s) => !args.suite || s.name === args.suite);
console.log(`dcd-wasm bench — ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, single thread, ${args.clock} clock, load ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
for (const suite of suites) {
  for (const row of suite.rows(engines, { batches: args.batches, quick: args.quick })) {
    if (args.filter && !args.filter.test(row.layer)) continue;
    const errors = {};
    for (const name of ENGINE_ORDER) {
      if (name === REFERENCE) continue;
      errors[name] = maxRelativeError(row.outputs[name], row.outputs[REFERENCE]);
      if (!(errors[name] <= MAX_REL_ERR)) {
        throw new Error(`${suite.name} ${row.layer}: ${name} disagrees with the reference (max rel err ${errors[name]})`);
      }
    }
    // A row may carry a baseline (the static conv of the same shape, on wasm-simd), timed in the same
    // interleaved rounds so the overhead ratio compares like with like.
    const timed = row.baseline ? { ...row.run, baseline: row.baseline.run } : row.run;
    // A row may insist on the wall clock (the threads rows: CPU time would sum both threads' work).
    const clock = row.clock ?? args.clock;
    const ms = interleaved(timed, { rounds: args.rounds ?? (args.quick ? 3 : 7), minMs: args.quick ? 10 : 25, clock });
    const vsBaseline = row.baseline ? ms['wasm-simd'] / ms.baseline : null;
    // An engine a row leaves out of `run` (no such op on it) has no time: null, shown as '—'.
    const gflops = (name) => (ms[name] === undefined ? null : row.flops / (ms[name] * 1e6));
    const record = {
      suite: suite.name, layer: row.layer, pass: row.pass, batch: row.batch, flops: row.flops, clock,
      ms, gflops: Object.fromEntries(ENGINE_ORDER.map((n) => [n, gflops(n)])),
      maxRelErr: errors,
      ...(row.baseline ? { baseline: { label: row.baseline.label, ms: ms.baseline }, simdVsBaseline: vsBaseline } : {}),
    };
    results.push(record);
    table.push([
      row.layer, clock === args.clock ? row.pass : `${row.pass} (${clock} clock)`, String(row.batch),
      ...(RELAXED ? [fmt.ms(ms['wasm-relaxed-simd']), fmt.gflops(gflops('wasm-relaxed-simd'))] : []),
      fmt.ms(ms['wasm-simd']), fmt.gflops(gflops('wasm-simd')),
      fmt.ms(ms['wasm-scalar']), fmt.gflops(gflops('wasm-scalar')),
      fmt.ms(ms.js), fmt.gflops(gflops('js')),
      fmt.ratio(ms.js / ms['wasm-simd']), fmt.ratio(ms['wasm-scalar'] / ms['wasm-simd']),
      vsBaseline === null ? '—' : `${vsBaseline.toFixed(2)}×`,
      Math.max(...Object.values(errors)).toExponential(1),
    ]);
    console.log(formatTable([table[0], table[table.length - 1]]).split('\n')[2]);
  }
}

console.log('\n' + formatTable(table));
const baselines = [...new Set(results.filter((r) => r.baseline).map((r) => `${r.pass} → ${r.baseline.label}`))];
if (baselines.length) {
  console.log('\nSIMD ÷ base = wasm-simd time / the baseline timed in the same rounds (wasm-simd); baselines by pass:');
  for (const b of baselines) console.log(`  ${b}`);
}
if (args.save) await save();

async function save() {
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const meta = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, clock: args.clock, loadavg: os.loadavg(), args: process.argv.slice(2) };
const stamp = meta.date.replace(/[:.]/g, '-');
writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify({ meta, results }, null, 2));
writeFileSync(join(outDir, 'latest.json'), JSON.stringify({ meta, results }, null, 2));
writeFileSync(join(outDir, 'latest.md'), `${meta.date}, Node ${meta.node}, ${meta.cpu}, ${meta.clock} clock, load average ${meta.loadavg.map((v) => v.toFixed(1)).join(' ')}\n\n${markdownTable(table)}\n`);
console.log(`\nwritten: bench/results/bench-${stamp}.json, bench/results/latest.{json,md}`);
}

function parseArgs(argv) {
  const out = { batches: [1], quick: false, filter: null, suite: null, clock: 'wall', rounds: null, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`bench: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') out.quick = true;
    else if (a === '--no-save') out.save = false;
    else if (a === '--batch') out.batches = value().split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --batch takes positive integers, got "${v}"`);
      return n;
    });
    else if (a === '--filter') out.filter = new RegExp(value());
    else if (a === '--suite') {
      out.suite = value();
      if (!SUITES.some((s) => s.name === out.suite)) {
        throw new Error(`bench: --suite takes one of ${SUITES.map((s) => s.name).join(', ')}, got "${out.suite}"`);
      }
    }
    else if (a === '--clock') {
      out.clock = value();
      if (out.clock !== 'wall' && out.clock !== 'cpu') throw new Error(`bench: --clock takes wall or cpu, got "${out.clock}"`);
    } else if (a === '--rounds') {
      out.rounds = Number(value());
      if (!Number.isInteger(out.rounds) || out.rounds < 1) throw new Error('bench: --rounds takes a positive integer');
    }
    else throw new Error(`bench: unknown argument "${a}" (see the header of bench/run.mjs)`);
  }
  return out;
}
