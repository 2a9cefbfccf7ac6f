// Issue 11's fused conv output and prepared convs, in ONE process, same inputs, interleaved rounds,
// process CPU time (the machine is shared):
//   composed   conv2d, then add(·, residual), then relu — three passes over y, three new tensors
//   fused      conv2d(x, w, { bias, residual, activation: 'relu' }) — one pass, a new tensor
//   fused out  the same written into a preallocated tensor ({ out })
//   prepared   prepareConv2d once, then run(x, out, residual) — no validation, no allocation
// and, with --packed, plain conv2d vs a prepared conv (relaxed build: its weights packed once for the
// wide tile, conv/conv2d_packed.ts) on the ResNet stage-4 shapes.
//
//   npm run build   (or rollup -c over release wasm builds)
//   node --experimental-wasm-relaxed-simd bench/fused.mjs dist/index.js [--backend wasm-relaxed-simd]
//        [--batch 1] [--rounds 11] [--packed]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lcg } from './peers/shapes.mjs';
import { median } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const path = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
if (!path) {
  console.error('usage: node bench/fused.mjs <dist/index.js> [--backend B] [--batch 1] [--rounds N] [--packed]');
  process.exit(2);
}
const backend = option('--backend', 'wasm-simd');
const batches = option('--batch', '1').split(',').map(Number);
const rounds = Number(option('--rounds', 11));
const lib = await import(pathToFileURL(resolve(path)).href);
const m = await lib.init({ backend });
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Median ms per call of each variant, interleaved rounds of ≥ 20 ms CPU each. */
function race(variants) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const names = Object.keys(variants);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const run = variants[name];
      run();
      let calls = 0; const start = cpuMs();
      do { run(); calls++; } while (cpuMs() - start < 20);
      samples[name].push((cpuMs() - start) / calls);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

const FUSED_SHAPES = [
  { name: '1x1 64->256 @56', c: 64, k: 256, hw: 56, kernel: 1, padding: 0, groups: 1 },
  { name: '3x3 64->64 @56', c: 64, k: 64, hw: 56, kernel: 3, padding: 1, groups: 1 },
  { name: 'dw 3x3 144 @56', c: 144, k: 144, hw: 56, kernel: 3, padding: 1, groups: 144 },
];
const PACKED_SHAPES = [
  { name: '3x3 512->512 @7', c: 512, k: 512, hw: 7, kernel: 3, padding: 1, groups: 1 },
  { name: '1x1 512->2048 @7', c: 512, k: 2048, hw: 7, kernel: 1, padding: 0, groups: 1 },
  { name: '1x1 2048->512 @7', c: 2048, k: 512, hw: 7, kernel: 1, padding: 0, groups: 1 },
];

console.log(`${path}, backend ${m.info().backend}, CPU time, median of ${rounds} interleaved rounds, ms per call`);
for (const batch of batches) {
  const packed = argv.includes('--packed');
  for (const s of packed ? PACKED_SHAPES : FUSED_SHAPES) {
    const keep = [];
    const t = (data, shape) => { const x = m.tensor(data, shape); keep.push(x); return x; };
    const x = t(lcg(batch * s.c * s.hw * s.hw, 1), [batch, s.c, s.hw, s.hw]);
    const scale = 1 / Math.sqrt((s.c / s.groups) * s.kernel * s.kernel);
    const w = t(lcg(s.k * (s.c / s.groups) * s.kernel * s.kernel, 2).map((v) => v * scale), [s.k, s.c / s.groups, s.kernel, s.kernel]);
    const bias = t(lcg(s.k, 3), [s.k]);
    const yShape = [batch, s.k, s.hw, s.hw];
    const residual = t(lcg(batch * s.k * s.hw * s.hw, 4), yShape);
    const out = t(new Float32Array(batch * s.k * s.hw * s.hw), yShape);
    const geometry = { padding: s.padding, groups: s.groups };
    let variants, prepared;
    if (packed) {
      prepared = lib.prepareConv2d(x.shape, w, { ...geometry, bias });
      variants = {
        'conv2d': () => m.conv2d(x, w, { ...geometry, bias }).dispose(),
        'conv2d out': () => m.conv2d(x, w, { ...geometry, bias, out }),
        'prepared': () => prepared.run(x, out),
      };
    } else {
      prepared = lib.prepareConv2d(x.shape, w, { ...geometry, bias, activation: 'relu', residual: true });
      variants = {
        'composed': () => m.scope(() => { m.relu(m.add(m.conv2d(x, w, { ...geometry, bias }), residual)); }),
        'fused': () => m.conv2d(x, w, { ...geometry, bias, residual, activation: 'relu' }).dispose(),
        'fused out': () => m.conv2d(x, w, { ...geometry, bias, residual, activation: 'relu', out }),
        'prepared': () => prepared.run(x, out, residual),
        'conv2d alone': () => m.conv2d(x, w, { ...geometry, bias }).dispose(),
      };
    }
    const ms = race(variants);
    const base = ms[packed ? 'conv2d' : 'composed'];
    console.log(`${`${s.name} N=${batch}`.padEnd(24)} ${Object.entries(ms).map(([k, v]) => `${k} ${v.toFixed(3)} (${(v / base).toFixed(2)}×)`).join('  ')}`);
    prepared.dispose();
    keep.forEach((k) => k.dispose());
  }
}
