#!/usr/bin/env node
// The training experiment (`npm run train`): one small CNN for 28×28 images in three variants that
// differ only in the 3×3 convolutions of its residual blocks — static, DY-Conv (K = 4, softmax, τ
// annealed 30 → 1 over the first epoch) and DCD (`conv_basic_dy`) — trained on the full Fashion-MNIST
// training set (60 000 images) and tested on its 10 000 test images after every epoch. SGD with
// Nesterov momentum 0.9, weight decay 5e-4, cosine learning rate from 0.05, label smoothing 0.1,
// batch 64, random crop (padding 2) and horizontal flip.
//
// Writes bench/results/train-fashion-mnist-<date>.{md,svg} (a table and a plot of test accuracy per
// epoch) and the DCD variant's weights to examples/data/fashion_dcd.safetensors (the model
// `npm run demo` classifies with).
//
//   npm run train                                   (build, then 3 epochs of each variant)
//   node examples/train/fashion-mnist.mjs --epochs 3 --variants static,dy,dcd --threads 2
//   node examples/train/fashion-mnist.mjs --limit 2000 --epochs 1   (a quick look)
// Data: Debian's `apt-get install -y dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), or --data DIR.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { progress, formatDuration } from './progress.mjs';
import { markdownReport, svgChart } from './report.mjs';
import { smallCnnMadds } from './madds.mjs';

setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20: relaxed SIMD only behind this flag
const lib = await import('../../dist/index.js');
const {
  init, smallCnn, SGD, crossEntropy, cosineLR, temperature, setTemperature, readIdx, imageDataset, takeFirst,
  BatchLoader, makeBatch, safetensorsFromStateDict,
} = lib;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'static,dy,dcd' },
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    limit: { type: 'string' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: new URL('../../bench/results/', import.meta.url).pathname },
    weights: { type: 'string', default: new URL('../data/fashion_dcd.safetensors', import.meta.url).pathname },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/train/fashion-mnist.mjs [--epochs 3] [--variants static,dy,dcd] [--threads 1|2|auto]\n' +
    '       [--limit N (first N training images)] [--batch 64] [--seed 0] [--data DIR] [--out DIR] [--weights FILE]');
  process.exit(0);
}
const fail = (message) => { console.error(`train: ${message}`); process.exit(2); };
const int = (name, v, min) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
};
const epochs = int('epochs', args.epochs, 1);
const batchSize = int('batch', args.batch, 2);
const seed = int('seed', args.seed, 0);
const threads = args.threads === 'auto' ? Math.min(availableParallelism(), 8) : int('threads', args.threads, 1);
const variants = args.variants.split(',').map((v) => v.trim());
for (const v of variants) if (!['static', 'dy', 'dcd'].includes(v)) fail(`unknown variant '${v}' (static, dy, dcd)`);

// ------------------------------------------------------------------ data
const file = (name) => `${args.data}/${name}`;
if (!existsSync(file('train-images-idx3-ubyte.gz'))) {
  fail(`no Fashion-MNIST in ${args.data}: install it with \`apt-get install -y dataset-fashion-mnist\` or pass --data DIR ` +
    '(the four *-idx?-ubyte.gz files)');
}
const load = async (images, labels) => imageDataset(await readIdx(readFileSync(file(images))), await readIdx(readFileSync(file(labels))));
let train = await load('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
const test = await load('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz');
if (args.limit) train = takeFirst(train, int('limit', args.limit, batchSize));
// Fashion-MNIST's pixel statistics (0…1 scale) over the training set.
const NORM = { mean: [0.2860], std: [0.3530] };

const m = await init(threads > 1 ? { threads } : {});
const info = m.info();
const environment = `Backend ${info.backend}, ${info.threads} thread(s), Node ${process.versions.node}, ${availableParallelism()} cores.`;
console.log(`Fashion-MNIST: ${train.count} training and ${test.count} test images; ${epochs} epoch(s) per variant; batch ${batchSize}.`);
console.log(environment);

// ------------------------------------------------------------------ one variant
function evaluate(net) {
  net.eval();
  let correct = 0, seconds = 0;
  for (let start = 0; start < test.count; start += 500) {
    const indices = Int32Array.from({ length: Math.min(500, test.count - start) }, (_, i) => start + i);
    const batch = makeBatch(test, indices, NORM); // data preparation is not inference: not timed
    m.scope(() => {
      const t0 = performance.now();
      const logits = net.forward(m.tensor(batch.x, batch.shape)).data;
      seconds += (performance.now() - t0) / 1000;
      correct += countCorrect(logits, batch.labels);
    });
  }
  return { accuracy: correct / test.count, imagesPerSecond: test.count / seconds };
}

function countCorrect(logits, labels) {
  const classes = logits.length / labels.length;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

function run(variant, log) {
  const net = smallCnn(m, { variant, seed, ...(variant === 'dy' ? { temperature: 30 } : {}) });
  const entries = net.parameterEntries();
  const loader = new BatchLoader(train, { batchSize, seed, shuffle: true, dropLast: true, ...NORM, augment: { padding: 2, flip: true } });
  const steps = loader.batchesPerEpoch * epochs;
  const lr = cosineLR({ base: 0.05, tMax: steps });
  const tau = temperature({ steps: loader.batchesPerEpoch, from: 30, to: 1 });
  const opt = new SGD(m, entries, { lr: lr(0), momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const accuracy = [];
  let trainSeconds = 0, trainImages = 0, inferIps = 0, step = 0;
  const t0 = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    net.train();
    let seen = 0, correct = 0, lossSum = 0;
    for (const batch of loader.epoch()) {
      const s0 = performance.now();
      opt.lr = lr(step);
      if (variant === 'dy') setTemperature(net, tau(step));
      const loss = m.scope(() => {
        const logits = net.forward(m.tensor(batch.x, batch.shape));
        const { loss, grad } = crossEntropy(m, logits, batch.labels, { labelSmoothing: 0.1 });
        correct += countCorrect(logits.data, batch.labels);
        opt.zeroGrad();
        net.backward(grad);
        opt.step();
        return loss;
      });
      trainSeconds += (performance.now() - s0) / 1000;
      trainImages += batch.labels.length;
      seen += batch.labels.length;
      lossSum += loss * batch.labels.length;
      step++;
      const ips = trainImages / trainSeconds;
      const eta = (steps - step) * batchSize / ips;
      log.update(`${variant} epoch ${epoch + 1}/${epochs} step ${step}/${steps} loss ${(lossSum / seen).toFixed(4)} ` +
        `acc ${(100 * correct / seen).toFixed(2)}% ${ips.toFixed(0)} img/s ETA ${formatDuration(eta)}`);
    }
    const result = evaluate(net);
    inferIps = result.imagesPerSecond;
    accuracy.push(result.accuracy);
    log.line(`${variant} epoch ${epoch + 1}/${epochs}: train loss ${(lossSum / seen).toFixed(4)}, train acc ${(100 * correct / seen).toFixed(2)}%, ` +
      `test acc ${(100 * result.accuracy).toFixed(2)}% (${(trainImages / trainSeconds).toFixed(0)} img/s training, ${inferIps.toFixed(0)} img/s inference)`);
  }
  const summary = {
    variant, parameters: net.numParameters(), madds: smallCnnMadds(variant), accuracy,
    trainImagesPerSecond: trainImages / trainSeconds, inferImagesPerSecond: inferIps, seconds: (performance.now() - t0) / 1000,
  };
  const state = variant === 'dcd' ? net.stateDict() : null;
  opt.dispose();
  net.dispose();
  return { summary, state };
}

// ------------------------------------------------------------------ all variants, then the report
const started = performance.now();
const log = progress();
const runs = [];
for (const variant of variants) {
  const { summary, state } = run(variant, log);
  runs.push(summary);
  if (state) {
    const metadata = {
      description: 'Fashion-MNIST small CNN, DCD variant (bindings/models/small_cnn.ts: smallCnn(m, { variant: "dcd" }))',
      testAccuracy: summary.accuracy.at(-1).toFixed(4), epochs: String(epochs), trainImages: String(train.count),
      command: `node examples/train/fashion-mnist.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      normalisation: JSON.stringify(NORM),
      classes: 'T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot',
    };
    writeFileSync(args.weights, safetensorsFromStateDict(state, metadata));
    log.line(`wrote ${args.weights} (test accuracy ${(100 * summary.accuracy.at(-1)).toFixed(2)}%)`);
  }
}
const wallSeconds = (performance.now() - started) / 1000;
const date = new Date().toISOString().slice(0, 10);
const command = `node examples/train/fashion-mnist.mjs ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync(args.out, { recursive: true });
const base = `${args.out.replace(/\/?$/, '/')}train-fashion-mnist-${date}`;
writeFileSync(`${base}.md`, markdownReport({ runs, command, date, wallSeconds, environment }));
writeFileSync(`${base}.svg`, svgChart({ runs, title: `Fashion-MNIST test accuracy per epoch (${train.count} training images)` }));
console.log(markdownReport({ runs, command, date, wallSeconds, environment }));
console.log(`wrote ${base}.md and ${base}.svg in ${formatDuration(wallSeconds)}`);
m.dispose();
