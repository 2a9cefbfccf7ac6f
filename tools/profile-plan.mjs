#!/usr/bin/env node
// A planned network's run loop, for tools/profile-kernels.mjs (where does inference time go?):
//   node tools/profile-kernels.mjs -- tools/profile-plan.mjs mobilenetv2_dcd 300
// Random (seeded) weights, batch 1, 224², the plain SIMD build (the .wat profile-kernels reads by default).
const lib = await import('../dist/index.js');
const [network = 'mobilenetv2_dcd', runs = '40'] = process.argv.slice(2);
if (typeof lib[network] !== 'function') throw new Error(`profile-plan: no network constructor '${network}'`);
const m = await lib.init({ backend: 'wasm-simd' });
const plan = lib.planInference(lib[network](m, {}).eval(), { inputShape: [1, 3, 224, 224] });
const x = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
for (let i = 0; i < 3; i++) plan.run(x);
const t0 = performance.now();
for (let i = 0; i < Number(runs); i++) plan.run(x);
console.error(`${network}: ${((performance.now() - t0) / Number(runs)).toFixed(2)} ms per image (planned, wasm-simd)`);
