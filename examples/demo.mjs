#!/usr/bin/env node
// dcd-wasm demo: whole-network inference, on every backend (relaxed SIMD, SIMD, scalar WebAssembly and
// the pure-TypeScript reference), with ms per image, each network compiled once into an inference plan
// (planInference: BatchNorm folded, activations and residual adds fused, memory planned):
// 1. a trained DCD network — the Fashion-MNIST CNN of `npm run train` — classifying real test images;
// 2. the paper's networks, DCD-MobileNetV2 and DCD-ResNet-18 (the official code's PyTorch state-dict
//    names), with their parameter counts, on one image. Their weights are random (seeded), and the
//    demo says so: the predicted classes mean nothing.
//
//   npm run demo                       (builds first)
//   node examples/demo.mjs [--quick]   (--quick: one timed run per backend)
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Node 20 runs relaxed SIMD only behind a flag; it can be turned on before the first wasm compile.
setFlagsFromString('--experimental-wasm-relaxed-simd');
const lib = await import('../dist/index.js');
const {
  init, mobilenetv2_dcd, resnet18_dcd, smallCnn, calibrateBatchNorm, imageToTensorData, softmax, topK, parseLabels, readSafetensors,
  stateDictFromSafetensors, readIdx, planInference,
} = lib;

const quick = process.argv.includes('--quick');
const labels = parseLabels(readFileSync(new URL('./data/imagenet_classes.txt', import.meta.url), 'utf8'));
const fmt = (n) => n.toLocaleString('en-US');
const line = (s = '') => process.stdout.write(`${s}\n`);
// A live status line in a terminal; nothing in a log (the results table follows anyway).
const tty = process.stdout.isTTY === true;
const status = (s) => { if (tty) process.stdout.write(`\r${s}`.padEnd(80)); };
const clearStatus = () => { if (tty) process.stdout.write(`\r${''.padEnd(80)}\r`); };

// ------------------------------------------------------------------ 1. a trained DCD network
// The DCD variant of the Fashion-MNIST CNN trained by `npm run train` (its weights ship in
// examples/data/), on real Fashion-MNIST test images bundled as a few KB of IDX.
const data = (name) => new URL(`./data/${name}`, import.meta.url);
const BACKENDS = ['wasm-relaxed-simd', 'wasm-simd', 'wasm-scalar', 'js'];
if (existsSync(data('fashion_dcd.safetensors'))) {
  const bytes = readFileSync(data('fashion_dcd.safetensors'));
  const { metadata } = readSafetensors(bytes);
  const classes = metadata.classes.split(',');
  const { mean, std } = JSON.parse(metadata.normalisation);
  const images = await readIdx(readFileSync(data('fashion-mnist-sample-images.idx.gz')));
  const labels = await readIdx(readFileSync(data('fashion-mnist-sample-labels.idx.gz')));
  const [n, h, w] = images.shape;
  const x = Float32Array.from(images.data, (p) => (p / 255 - mean[0]) / std[0]);
  line(`dcd-wasm demo 1/2: a TRAINED DCD network — the Fashion-MNIST CNN of \`npm run train\` (DCD variant, ` +
    `${metadata.epochs} epoch${metadata.epochs === "1" ? "" : "s"}, ${(100 * Number(metadata.testAccuracy)).toFixed(2)}% on the 10 000 test images)`);
  line(`on ${n} real Fashion-MNIST test images (examples/data/fashion-mnist-sample-*.idx.gz), batch ${n}:`);
  line();
  let shown = false;
  for (const backend of BACKENDS) {
    let m;
    try { m = await init({ backend }); } catch { continue; }
    const net = smallCnn(m, { variant: 'dcd' }).loadStateDict(stateDictFromSafetensors(bytes), { strict: true }).eval();
    const plan = planInference(net, { inputShape: [n, 1, h, w] });
    const run = () => {
      const t0 = performance.now();
      const logits = plan.run(x, { out: new Float32Array(n * classes.length) });
      return { ms: performance.now() - t0, logits };
    };
    run();
    const runs = [run(), run(), run()].sort((a, b) => a.ms - b.ms);
    const top = topK(softmax({ shape: [n, classes.length], data: runs[1].logits }), 1, classes).map((r) => r[0]);
    const correct = top.filter((t, i) => t.index === labels.data[i]).length;
    if (!shown) {
      for (let i = 0; i < Math.min(n, 12); i++) {
        const t = top[i];
        line(`  image ${String(i).padStart(2)}: ${t.label.padEnd(12)} ${(100 * t.probability).toFixed(1).padStart(5)}%  ` +
          `(true: ${classes[labels.data[i]]}${t.index === labels.data[i] ? '' : '  ✗'})`);
      }
      line(`  … ${correct} of ${n} right (${(100 * correct / n).toFixed(1)}%)`);
      line();
      shown = true;
    }
    line(`  ${backend.padEnd(18)} ${(runs[1].ms / n).toFixed(3).padStart(8)} ms per image  (${correct}/${n} right)`);
    plan.dispose();
    net.dispose();
    m.dispose();
  }
  line();
} else {
  line('(examples/data/fashion_dcd.safetensors is missing: `npm run train` makes it; skipping the trained model)');
  line();
}

// ------------------------------------------------------------------ 2. the paper's ImageNet networks
line('dcd-wasm demo 2/2: whole-network inference of the paper\'s networks (224×224, batch 1, one thread)');
line('NOTE: the weights are RANDOM (seeded), so the predicted classes are meaningless: this shows that the');
line('      networks run, agree across backends and how fast. To run real PyTorch weights see the README,');
line('      "Running a PyTorch checkpoint".');
line();

// A synthetic 256×256 RGB picture (rings and a gradient), preprocessed as torchvision does for ImageNet:
// resize the shorter side to 256, centre-crop 224, normalise with the ImageNet mean / std.
const side = 256;
const pixels = new Uint8Array(side * side * 3);
for (let y = 0; y < side; y++) {
  for (let x = 0; x < side; x++) {
    const r = Math.hypot(x - side / 2, y - side / 2);
    const i = (y * side + x) * 3;
    pixels[i] = 128 + 127 * Math.sin(r / 9);
    pixels[i + 1] = (x * 255) / side;
    pixels[i + 2] = (y * 255) / side;
  }
}
const image = imageToTensorData(pixels, { width: side, height: side, channels: 3, resize: 256, centerCrop: 224 });
line(`image: synthetic ${side}×${side} RGB → resize 256, centre crop 224, ImageNet normalisation → [${image.shape.join(', ')}]`);

const NETWORKS = [
  { name: 'DCD-MobileNetV2 (width 1.0)', make: (m) => mobilenetv2_dcd(m, { seed: 1 }) },
  { name: 'DCD-ResNet-18', make: (m) => resnet18_dcd(m, { seed: 2 }) },
];

// Random weights leave BatchNorm's running statistics at 0 / 1, and a deep random DCD network is badly
// conditioned in eval mode (its dynamic Φ is unbounded): statistics from data unlike the input let it
// overflow to NaN. Calibrate them once on data like the input — the four flips of the image — with
// momentum 1 (= that batch's statistics), on the fastest backend.
const flips = new Float32Array(4 * image.data.length);
const [H, W] = image.shape.slice(2);
for (let f = 0; f < 4; f++) {
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = f & 1 ? H - 1 - y : y, sx = f & 2 ? W - 1 - x : x;
        flips[((f * 3 + c) * H + y) * W + x] = image.data[(c * H + sy) * W + sx];
      }
    }
  }
}
const fastest = await init();
const states = [];
for (const net of NETWORKS) {
  const model = net.make(fastest);
  const count = model.numParameters();
  process.stdout.write(`${net.name}: ${fmt(count)} parameters; calibrating BatchNorm on the image's 4 flips … `);
  const t0 = performance.now();
  fastest.scope(() => calibrateBatchNorm(model, fastest.tensor(flips, [4, 3, H, W])));
  states.push(model.stateDict());
  model.dispose();
  line(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
line();

const results = [];
for (const backend of BACKENDS) {
  let m;
  try {
    m = await init({ backend });
  } catch (e) {
    line(`${backend}: not available here (${e.message})`);
    continue;
  }
  const row = { backend, ms: [], top: [] };
  for (const [k, net] of NETWORKS.entries()) {
    status(`${backend}: timing ${net.name} …`);
    const model = net.make(m).loadStateDict(states[k]).eval();
    const plan = planInference(model, { inputShape: image.shape });
    const once = () => {
      const t0 = performance.now();
      const logits = plan.run(image.data).slice();
      return { ms: performance.now() - t0, logits };
    };
    once(); // warm-up: compiles the hot paths
    const runs = Array.from({ length: quick || backend === 'js' ? 1 : 3 }, once);
    const median = runs.map((r) => r.ms).sort((a, b) => a - b)[runs.length >> 1];
    const [best] = topK(softmax({ shape: [1, runs[0].logits.length], data: runs[0].logits }), 1, labels)[0];
    row.ms.push(median);
    row.top.push(best);
    plan.dispose();
    model.dispose();
  }
  clearStatus();
  results.push(row);
  m.dispose();
}

const pad = (s, n) => String(s).padEnd(n);
const num = (v) => v.toFixed(v < 100 ? 1 : 0).padStart(9);
line(`${pad('backend', 20)}${NETWORKS.map((n) => `${n.name.split(' ')[0]} ms/img`.padStart(24)).join('')}   top-1 of each (random weights!)`);
for (const r of results) {
  line(`${pad(r.backend, 20)}${r.ms.map((v) => num(v).padStart(24)).join('')}   ${r.top.map((t) => `${t.label} (${(t.probability * 100).toFixed(1)}%)`).join(' | ')}`);
}
const ref = results.find((r) => r.backend === 'js');
const best = results[0];
if (ref && best && best !== ref) {
  line();
  line(`${best.backend} is ${NETWORKS.map((n, k) => `${(ref.ms[k] / best.ms[k]).toFixed(1)}× (${n.name.split(' ')[0]})`).join(' and ')} faster than the TypeScript reference.`);
}
const same = results.every((r) => r.top.every((t, k) => t.index === results[0].top[k].index));
line(same ? 'Every backend predicts the same classes.' : 'WARNING: the backends disagree on a top-1 class.');
