#!/usr/bin/env node
// Whole networks, two builds of this library in ONE process (bench/ab.mjs does the same for single convs):
// same seeded weights (build/nets-seeded/, written by `node bench/nets.mjs --no-ort --filter <net>`),
// batch 1, interleaved rounds, process CPU time, median; and whether the logits are bit-identical.
//   node bench/nets-ab.mjs /tmp/dist-before/index.js dist/index.js [--backend wasm-simd] [--filter mobilenet] [--rounds 11]
// The relaxed build: --backend wasm-relaxed-simd (this script turns the V8 flag on, as bench/nets.mjs does).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { existsSync } = await import('node:fs');
const { join, resolve } = await import('node:path');
const { pathToFileURL } = await import('node:url');
const { createOurs } = await import('./nets/engines.mjs');
const { NETWORKS, SIZE } = await import('./nets/networks.mjs');
const { SEEDED_DIR } = await import('./nets/exports.mjs');
const { median } = await import('./lib/timing.mjs');

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const [pathA, pathB] = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
if (!pathA || !pathB) {
  console.error('usage: node bench/nets-ab.mjs <distA/index.js> <distB/index.js> [--backend B] [--filter RE] [--rounds N]');
  process.exit(2);
}
const backend = option('--backend', 'wasm-simd');
const filter = new RegExp(option('--filter', 'mobilenet'));
const rounds = Number(option('--rounds', 11));
const libs = { A: await import(pathToFileURL(resolve(pathA)).href), B: await import(pathToFileURL(resolve(pathB)).href) };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

console.log(`A = ${pathA}\nB = ${pathB}\nbackend ${backend}, batch 1, CPU time, median of ${rounds} interleaved rounds`);
for (const file of Object.keys(NETWORKS).filter((f) => filter.test(f))) {
  const weights = join(SEEDED_DIR, `${file}.safetensors`);
  if (!existsSync(weights)) {
    console.log(`${file}: no ${weights}; run node bench/nets.mjs --no-ort --quick --filter ${file} first`);
    continue;
  }
  const engines = { A: await createOurs(libs.A, backend, file, weights), B: await createOurs(libs.B, backend, file, weights) };
  const shape = [1, 3, SIZE, SIZE];
  const x = Float32Array.from({ length: 3 * SIZE * SIZE }, (_, i) => Math.sin(i));
  const logits = { A: engines.A.run(x, shape), B: engines.B.run(x, shape) };
  const same = logits.A.length === logits.B.length && logits.A.every((v, i) => Object.is(v, logits.B[i]));
  const samples = { A: [], B: [] };
  for (let r = 0; r < rounds; r++) {
    for (const tag of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const start = cpuMs();
      engines[tag].run(x, shape);
      samples[tag].push(cpuMs() - start);
    }
  }
  const [a, b] = [median(samples.A), median(samples.B)];
  console.log(`${NETWORKS[file].label.padEnd(22)} A ${a.toFixed(1)}  B ${b.toFixed(1)} ms  B/A ${(b / a).toFixed(3)}  ${same ? 'bit-identical' : 'logits DIFFER'}`);
  engines.A.dispose();
  engines.B.dispose();
}
