#!/usr/bin/env node
// dcd-wasm demo: one ResNet-sized 3×3 convolution, forward and backward, on the WASM SIMD build and on
// the pure-TypeScript reference, checked against each other and timed side by side.
//
//   npm run demo
import { init } from '../dist/index.js';

const [N, C, H, W, K] = [1, 64, 56, 56, 64];
const options = { stride: 1, padding: 1 };

const wasm = await init();                    // picks the SIMD build where the runtime supports it
const js = await init({ backend: 'js' });     // the pure-TypeScript reference
console.log(`backend: ${wasm.info().backend}; reference: ${js.info().backend}`);

const random = (n, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
const xData = random(N * C * H * W);
const wData = random(K * C * 3 * 3, 1 / Math.sqrt(C * 9));
const bData = random(K);
const dyData = random(N * K * H * W);

function run(m) {
  return m.scope(() => {
    const x = m.tensor(xData, [N, C, H, W]);
    const w = m.tensor(wData, [K, C, 3, 3]);
    const b = m.tensor(bData, [K]);
    const dy = m.tensor(dyData, [N, K, H, W]);
    const t0 = performance.now();
    const y = m.conv2d(x, w, { ...options, bias: b });
    const t1 = performance.now();
    const { dx, dw, db } = m.conv2dBackward(x, w, dy, { ...options, bias: true });
    const t2 = performance.now();
    return {
      forwardMs: t1 - t0, backwardMs: t2 - t1,
      y: y.toFloat32Array(), dx: dx.toFloat32Array(), dw: dw.toFloat32Array(), db: db.toFloat32Array(),
    };
  });
}

const best = (m) => {
  run(m); // warm-up: compiles the hot paths
  const runs = [run(m), run(m), run(m)];
  return { ...runs[0], forwardMs: Math.min(...runs.map((r) => r.forwardMs)), backwardMs: Math.min(...runs.map((r) => r.backwardMs)) };
};
const a = best(wasm);
const b = best(js);

const relErr = (u, v) => {
  let d = 0, m = 0;
  for (let i = 0; i < v.length; i++) { d = Math.max(d, Math.abs(u[i] - v[i])); m = Math.max(m, Math.abs(v[i])); }
  return d / (m || 1);
};
const gflop = (2 * N * K * H * W * C * 9) / 1e9;
console.log(`conv2d ${N}×${C}×${H}×${W} → ${K} channels, 3×3, padding 1 (${gflop.toFixed(2)} GFLOP forward)`);
console.log(`  forward : wasm ${a.forwardMs.toFixed(2)} ms (${(gflop / a.forwardMs * 1e3).toFixed(1)} GFLOP/s)  js ${b.forwardMs.toFixed(1)} ms  → ${(b.forwardMs / a.forwardMs).toFixed(1)}× faster`);
console.log(`  backward: wasm ${a.backwardMs.toFixed(2)} ms (${(2 * gflop / a.backwardMs * 1e3).toFixed(1)} GFLOP/s)  js ${b.backwardMs.toFixed(1)} ms  → ${(b.backwardMs / a.backwardMs).toFixed(1)}× faster`);
console.log(`  max relative difference wasm vs js: y ${relErr(a.y, b.y).toExponential(1)}, dx ${relErr(a.dx, b.dx).toExponential(1)}, dW ${relErr(a.dw, b.dw).toExponential(1)}, db ${relErr(a.db, b.db).toExponential(1)}`);
console.log(`  live tensors after the run: ${wasm.info().liveTensors}`);
