#!/usr/bin/env node
// Training steps of the Fashion-MNIST CNN (batch 64), for tools/profile-kernels.mjs:
//   node tools/profile-kernels.mjs -- tools/profile-train-step.mjs dcd 20
const lib = await import('../dist/index.js');
const [variant = 'static', steps = '20'] = process.argv.slice(2);
const m = await lib.init({ backend: 'wasm-simd' });
const net = lib.smallCnn(m, { variant, seed: 0 }).train();
const opt = new lib.SGD(m, net.parameterEntries(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
const B = 64;
const x = new Float32Array(B * 784).map((_, i) => Math.sin(i));
const labels = Int32Array.from({ length: B }, (_, i) => i % 10);
const step = () => m.scope(() => {
  const { grad } = lib.crossEntropy(m, net.forward(m.tensor(x, [B, 1, 28, 28])), labels, { labelSmoothing: 0.1 });
  opt.zeroGrad();
  net.backward(grad);
  opt.step();
});
for (let i = 0; i < 3; i++) step();
const t0 = performance.now();
for (let i = 0; i < Number(steps); i++) step();
const ms = (performance.now() - t0) / Number(steps);
console.error(`${variant}: ${ms.toFixed(1)} ms per step, ${(B / ms * 1000).toFixed(0)} img/s (wasm-simd)`);
