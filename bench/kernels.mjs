#!/usr/bin/env node
// Kernel-level conv2d forward timing straight on build/wasm/*.wasm (no bundle, no bindings): for
// tuning the GEMM. Every build runs the same shapes in interleaved rounds with the `peak` loop, so a
// figure can be read as % of the ceiling measured under the same load. Outputs of every build are
// compared with the SIMD build's first (max rel err) before timing.
//
//   npm run build:wasm && node bench/kernels.mjs [--filter 1x1] [--builds simd,relaxed-simd,scalar]
//        [--rounds 9] [--min-ms 40]
//   (node --experimental-wasm-relaxed-simd bench/kernels.mjs  to include the relaxed build in Node 20)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved } from './lib/timing.mjs';
import { buildPeak, peakWasmPath } from './peak/build.mjs';
import { PEER_SHAPES } from './peers/shapes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const filter = arg('filter') ? new RegExp(arg('filter')) : null;
const rounds = Number(arg('rounds', 9));
const minMs = Number(arg('min-ms', 40));
const wanted = arg('builds', 'relaxed-simd,simd').split(',');

function load(build) {
  const bytes = readFileSync(join(root, 'build', 'wasm', `dcd-${build}.wasm`));
  if (!WebAssembly.validate(bytes)) return null;
  const env = { abort: () => { throw new Error(`${build}: abort`); } };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env }).exports;
}

/** Lays out descriptor, x, w, b, y, workspace in the instance's memory; returns a runner. */
function prepare(k, s) {
  const stride = s.stride ?? 1, pad = s.padding ?? 0, groups = s.groups ?? 1;
  const o = Math.floor((s.hw + 2 * pad - s.kernel) / stride) + 1;
  const p = [1, s.c, s.hw, s.hw, s.k, s.kernel, s.kernel, stride, stride, pad, pad, 1, 1, groups, o, o];
  const sizes = { x: s.c * s.hw * s.hw, w: s.k * (s.c / groups) * s.kernel ** 2, b: s.k, y: s.k * o * o };
  let at = (k.heapBase() + 63) & ~63;
  const ptr = {};
  for (const [n, len] of [['p', 16], ...Object.entries(sizes)]) { ptr[n] = at; at += (len * 4 + 63) & ~63; }
  const mem = () => k.memory.buffer;
  const grow = (end) => { if (end > mem().byteLength) k.memory.grow(Math.ceil((end - mem().byteLength) / 65536)); };
  grow(at);
  new Int32Array(mem(), ptr.p, 16).set(p);
  ptr.ws = at;
  grow(at + (k.conv2dWorkspaceBytes(ptr.p, 0) >>> 0) + 64);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (const n of ['x', 'w', 'b']) new Float32Array(mem(), ptr[n], sizes[n]).forEach((_, i, a) => { a[i] = rnd(); });
  const run = () => k.conv2dForward(ptr.p, ptr.x, ptr.w, ptr.b, ptr.y, ptr.ws);
  return { run, output: () => { run(); return new Float32Array(mem(), ptr.y, sizes.y).slice(); } };
}

function maxRelErr(a, b) {
  let scale = 0, err = 0;
  for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(b[i])); err = Math.max(err, Math.abs(a[i] - b[i])); }
  return err / (scale || 1);
}

buildPeak();
const peakK = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(peakWasmPath('mul_add')))).exports;
new Float32Array(peakK.memory.buffer, 0, 8).set([0.999, 0.999, 0.999, 0.999, 0.001, 0.001, 0.001, 0.001]);
const PEAK_ITER = 1 << 18;
const peak = () => peakK.peak(PEAK_ITER, 1);

const builds = Object.fromEntries(wanted.map((b) => [b, load(b)]).filter(([, k]) => k));
console.log(`bench/kernels — ${os.cpus()[0]?.model}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
  `builds: ${Object.keys(builds).join(', ')} (${wanted.filter((b) => !builds[b]).join(', ') || 'none'} not validated)`);
console.log(['layer', 'peak GF/s', ...Object.keys(builds).flatMap((b) => [`${b} GF/s`, '% peak']), 'max rel err'].join('\t'));
for (const s of PEER_SHAPES) {
  if (filter && !filter.test(s.name)) continue;
  if ((s.groups ?? 1) > 1) continue; // depthwise is not the GEMM
  const o = Math.floor((s.hw + 2 * (s.padding ?? 0) - s.kernel) / (s.stride ?? 1)) + 1;
  const flops = 2 * s.k * o * o * s.c * s.kernel * s.kernel;
  const runs = { peak }, outs = {};
  for (const [b, k] of Object.entries(builds)) {
    const r = prepare(k, s);
    runs[b] = r.run;
    outs[b] = r.output();
  }
  const ref = Object.values(outs)[0];
  const err = Math.max(...Object.values(outs).map((y) => maxRelErr(y, ref)));
  const ms = interleaved(runs, { rounds, minMs });
  const peakGf = (PEAK_ITER * 96) / (ms.peak * 1e6);
  const cells = Object.keys(builds).flatMap((b) => {
    const gf = flops / (ms[b] * 1e6);
    return [gf.toFixed(1), `${((100 * gf) / peakGf).toFixed(0)}%`];
  });
  console.log([s.name, peakGf.toFixed(1), ...cells, err.toExponential(1)].join('\t'));
}
