#!/usr/bin/env node
/**
 * Builds the wasm targets of asconfig.json in parallel (one asc process per target, as many at once
 * as there are cores), printing a line per target as it starts and ends, with its time and size.
 * asconfig.json stays the one place the flags live: each target's options are its "options" merged
 * with the target's own, turned into asc command-line flags (booleans can't be turned off on asc's
 * command line, so the script, not `asc --config`, does the merge).
 *
 *   node tools/build-wasm.mjs                       every target, release flags (npm run build:wasm)
 *   node tools/build-wasm.mjs simd scalar           only those targets
 *   node tools/build-wasm.mjs --dev                 -O0, no converge (threads builds at -O1: see below)
 *   node tools/build-wasm.mjs --jobs 1              one target at a time
 *   node tools/build-wasm.mjs --out /tmp/x --set converge=false --set optimizeLevel=2 simd
 *                                                   an experiment: other flags, written elsewhere
 * Exits non-zero if a target fails (its asc output is printed) or a threads build has data segments.
 *
 * asconfig.json's top-level "transforms" are passed to asc as --transform (absolute paths) for every
 * target: tools/asc/presimplify.mjs is what makes the -O3 builds fast (below).
 *
 * Measured 2026-12-07 (2-core VM shared with a training run and other builds, load 5–10, so CPU seconds
 * of one asc process; the wall times were 2–4× these):
 *   where -O3 went  asc -O3 runs binaryen at level 4 with asc's own pass list (Module.optimize). Timed pass
 *            by pass with binaryen.js on the simd build: 162 s, of which 150 s in ONE pass, the 5th,
 *            simplify-globals-optimizing (it re-optimises the just-inlined, unoptimised kernels function by
 *            function); rse 5 s; every other pass < 1 s. binaryen's whole function pipeline over the module
 *            takes 17 s. converge only repeats the pipeline (off: byte-identical output, 184 vs 210 s).
 *   -O2      simd 160 s, 245 KB (vs 157 KB at -O3): no faster to build, bigger. -O1: threads ~235 s.
 *   now      -O3 + presimplify (inline, propagate constant globals, binaryen's function pipeline once,
 *            before asc's pipeline): simd 30.3 s, relaxed 30.4 s, threads 30.1 s, relaxed-threads 29.7 s,
 *            scalar 5.0 s = 126 s for the five (was 210 s per SIMD target, ~235 s per threads one). On 2 idle cores,
 *            two at a time: ~70 s of asc + ~15 s of rollup, so `rm -rf build dist && npm run build` ≈ 1.5 min
 *            (estimated from the CPU seconds: 153 s user+sys in all; on the busy VM, load 9, it took 3 min 43 s).
 *   size     SIMD builds 180 KB instead of 157 KB (asc's later inlining sees smaller functions and
 *            inlines more); gzipped the same (35.4 vs 35.4 KB relaxed, 33.3 vs 33.3 KB simd); scalar 47 KB.
 *   speed    bench/ab.mjs (simd, 13 conv shapes × forward/backward, 7 rounds): B/A 0.82–1.07, median 0.99,
 *            every output bit-identical; the depthwise shapes 0.82–1.01. bench/nets-ab.mjs (batch 1,
 *            interleaved, 9–11 rounds): DCD-MobileNetV2 0.93 / 0.98 (simd, two runs), 1.01 (relaxed);
 *            MobileNetV2 0.99 / 0.97 (simd), 0.98 (relaxed); logits bit-identical. So no kernel-speed cost.
 *            (-O0 for comparison: GEMM convs as fast, depthwise convs 1.4–16× slower.)
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8'));
const USAGE = 'usage: node tools/build-wasm.mjs [target ...] [--dev] [--jobs N] [--out DIR] [--set option=value ...]\n' +
  `targets: ${Object.keys(config.targets).join(', ')}`;

function parseArgs(argv) {
  const args = { targets: [], dev: false, jobs: availableParallelism(), out: null, set: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else if (a === '--dev') args.dev = true;
    else if (a === '--jobs') {
      args.jobs = Number(value());
      if (!Number.isInteger(args.jobs) || args.jobs < 1) fail(`--jobs must be a positive integer, got ${argv[i]}`);
    } else if (a === '--out') args.out = value();
    else if (a === '--set') {
      const [key, raw] = value().split('=');
      if (raw === undefined) fail(`--set needs option=value, got ${argv[i]}`);
      args.set[key] = raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else if (!(a in config.targets)) fail(`unknown target ${a}`);
    else args.targets.push(a);
  }
  if (args.targets.length === 0) args.targets = Object.keys(config.targets);
  return args;
}

function fail(message) {
  console.error(`build-wasm: ${message}\n${USAGE}`);
  process.exit(2);
}

const isThreads = (options) => Boolean(options.sharedMemory);

/** The target's merged options, with --dev / --set / --out applied. */
function targetOptions(name, { dev, set, out }) {
  const options = { ...config.options, ...config.targets[name] };
  if (dev) {
    // -O1 for the threads builds: -O0 leaves data segments, which a shared-memory build must not have
    Object.assign(options, { optimizeLevel: isThreads(options) ? 1 : 0, converge: false });
  }
  Object.assign(options, set);
  // top-level "transforms" (asc itself reads only "options" and a "release" target of asconfig.json, and
  // resolves a relative transform like a package name): absolute paths, for every target
  if (config.transforms) options.transform = config.transforms.map((t) => resolve(root, t));
  if (out) {
    for (const key of ['outFile', 'textFile']) if (options[key]) options[key] = join(out, basename(options[key]));
  }
  return options;
}

/** asc command-line flags for merged options (false booleans are left out). */
function ascFlags(options) {
  const flags = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === false) continue;
    if (value === true) flags.push(`--${key}`);
    else if (Array.isArray(value)) flags.push(`--${key}`, value.join(','));
    else flags.push(`--${key}`, String(value));
  }
  return flags;
}

const CPU_MARK = '@@build-wasm cpu ';
const REPORT_CPU = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();` +
  `process.stderr.write('\\n${CPU_MARK}'+(u.user+u.system)/1e3+'\\n')})`;
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function build(name, options) {
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  // CPU time as well as wall time: on a shared machine the wall time says more about the neighbours
  // --enable-source-maps: asc.js re-spawns node with it otherwise
  const argv = ['--enable-source-maps', '--import', REPORT_CPU, asc, ...config.entries, ...ascFlags(options)];
  const started = performance.now();
  const level = `-O${options.optimizeLevel ?? 0}${options.converge ? ' converge' : ''}`;
  console.log(`  ${name.padEnd(16)} started (${level})`);
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      // binaryen's only progress output; it says nothing about the result's correctness
      const cpuMs = Number(/@@build-wasm cpu ([\d.]+)/.exec(output)?.[1] ?? NaN);
      const message = output.split('\n')
        .filter((l) => l.trim() && !l.startsWith(CPU_MARK) && !/Last converge was suboptimal/.test(l)).join('\n');
      if (code !== 0) {
        console.log(`✗ ${name.padEnd(16)} failed after ${seconds(ms)}\n${message}`);
        done(false);
        return;
      }
      const size = statSync(resolve(root, options.outFile)).size;
      console.log(`✓ ${name.padEnd(16)} ${seconds(ms).padStart(7)} (CPU ${seconds(cpuMs)})  ${basename(options.outFile)} ${kb(size)}` +
        (message ? `\n${message}` : ''));
      done(true);
    });
  });
}

async function checkThreads(path) {
  // the flag lets Node 20 compile the relaxed-SIMD threads build (other runtimes validate it anyway)
  const child = spawn(process.execPath, ['--experimental-wasm-relaxed-simd', join(root, 'tools', 'check-threads-wasm.mjs'),
    resolve(root, path)], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code === 0)));
}

const args = parseArgs(process.argv.slice(2));
const jobs = Math.min(args.jobs, args.targets.length);
console.log(`building ${args.targets.length} wasm target(s), ${jobs} at a time${args.dev ? ' (dev: -O0)' : ''}`);
const started = performance.now();
const queue = args.targets.map((name) => ({ name, options: targetOptions(name, args) }));
const results = [];
await Promise.all(Array.from({ length: jobs }, async () => {
  for (let t = queue.shift(); t; t = queue.shift()) results.push({ ...t, ok: await build(t.name, t.options) });
}));
let ok = results.every((r) => r.ok);
for (const r of results) if (r.ok && isThreads(r.options)) ok = (await checkThreads(r.options.outFile)) && ok;
console.log(`${ok ? 'done' : 'FAILED'} in ${seconds(performance.now() - started)}`);
process.exit(ok ? 0 : 1);
