// Two builds of this library in ONE process, same inputs, interleaved, by process CPU time: is a kernel
// change faster, and are its outputs bit-identical? The way every kernel change of issue 5 was judged
// (two separate runs differ by more than most changes on a shared 2-core machine).
//
//   cp -r dist /tmp/dist-before          # before the change
//   npm run build                        # after it
//   node bench/ab.mjs /tmp/dist-before/index.js dist/index.js [--backend wasm-simd] [--batch 1,8]
//        [--filter <regex on the shape name>] [--pass forward|backward|both] [--rounds 11]
// The relaxed build needs `node --experimental-wasm-relaxed-simd` and --backend wasm-relaxed-simd on Node 20.
// Shapes: the issue-5 table (bench/peers/shapes.mjs). Prints, per shape and pass, A and B ms (median of
// rounds, each ≥ 20 ms of calls), B/A, and whether every output float is the same (Object.is).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEER_SHAPES, makeConv } from './peers/shapes.mjs';
import { median } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const [pathA, pathB] = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
if (!pathA || !pathB) {
  console.error('usage: node bench/ab.mjs <distA/index.js> <distB/index.js> [--backend B] [--batch 1,8] [--filter RE] [--pass forward|backward|both] [--rounds N]');
  process.exit(2);
}
const backend = option('--backend', 'wasm-simd');
const batches = option('--batch', '1').split(',').map(Number);
const filter = new RegExp(option('--filter', '.'));
const pass = option('--pass', 'forward');
const rounds = Number(option('--rounds', 11));
const load = async (p) => (await import(pathToFileURL(resolve(p)).href)).init({ backend });
const libs = { A: await load(pathA), B: await load(pathB) };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

console.log(`A = ${pathA}\nB = ${pathB}\nbackend ${backend}, CPU time, median of ${rounds} interleaved rounds`);
for (const batch of batches) {
  for (const shape of PEER_SHAPES.filter((s) => filter.test(s.name))) {
    const conv = makeConv(shape, batch);
    for (const which of pass === 'both' ? ['forward', 'backward'] : [pass]) {
      const runs = {}, outputs = {}, tensors = [];
      for (const [tag, m] of Object.entries(libs)) {
        const t = (data, shapeOf) => { const x = m.tensor(data, shapeOf); tensors.push(x); return x; };
        const x = t(conv.x, [batch, conv.c, conv.hw, conv.hw]);
        const w = t(conv.weight, [conv.k, conv.c / conv.groups, conv.kernel, conv.kernel]);
        const b = t(conv.bias, [conv.k]);
        const opts = { stride: conv.stride, padding: conv.padding, groups: conv.groups };
        if (which === 'forward') {
          const call = () => m.conv2d(x, w, { ...opts, bias: b });
          runs[tag] = () => call().dispose();
          const y = call(); outputs[tag] = [y.toFloat32Array()]; y.dispose();
        } else {
          const dy = t(conv.dy(), [batch, conv.k, conv.outHw, conv.outHw]);
          const call = () => m.conv2dBackward(x, w, dy, { ...opts, bias: true });
          const free = (g) => { g.dx?.dispose(); g.dw?.dispose(); g.db?.dispose(); };
          runs[tag] = () => free(call());
          const g = call(); outputs[tag] = [g.dx, g.dw, g.db].map((v) => v.toFloat32Array()); free(g);
        }
      }
      const samples = { A: [], B: [] };
      for (let r = 0; r < rounds; r++) {
        for (const tag of r % 2 ? ['B', 'A'] : ['A', 'B']) {
          runs[tag]();
          let calls = 0; const start = cpuMs();
          do { runs[tag](); calls++; } while (cpuMs() - start < 20);
          samples[tag].push((cpuMs() - start) / calls);
        }
      }
      tensors.forEach((t) => t.dispose());
      const a = median(samples.A), b = median(samples.B);
      const same = outputs.A.every((o, i) => sameBits(o, outputs.B[i]));
      console.log(`${`${shape.name} N=${batch} ${which}`.padEnd(36)} A ${a.toFixed(3)}  B ${b.toFixed(3)} ms  B/A ${(b / a).toFixed(3)}  ${same ? 'bit-identical' : 'BITS DIFFER'}`);
    }
  }
}
