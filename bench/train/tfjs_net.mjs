// The small CNN of bindings/models/small_cnn.ts (and tools/bench_train_torch.py) written in TensorFlow.js
// ops, as a tfjs user would: NHWC activations, HWIO filters, Linear weights kept (out, in) and applied as
// v · Wᵀ. It is built from this library's state dict (PyTorch names), so both engines start from the
// same weights and their logits can be compared before anything is timed.
//
// BatchNorm: training mode normalises with the batch statistics (biased variance) and moves the running
// statistics (momentum 0.1, unbiased variance), eval mode uses the running ones — as PyTorch.
// DY-Conv: per-sample kernels Σ_k π_k W_k, one tf.conv2d per sample (tfjs has no grouped conv to fold
// the batch into). DCD: conv_basic_dy (spec §3), pool 2 with PyTorch's overlapping bins on odd sizes.
import { oihwToHwio } from '../peers/layout.mjs';

const EPS = 1e-5, MOMENTUM = 0.1;
const STAGES = [{ cin: 32, cout: 32, stride: 1 }, { cin: 32, cout: 64, stride: 2 }, { cin: 64, cout: 128, stride: 2 }];

/**
 * tf: tfjs-core with a backend set; state: { name: { shape, data } } (ours); variant: 'static' | 'dy' | 'dcd'.
 * Returns { forward(x NHWC, training) → logits [N, classes], trainable (tf.Variable[]), numParameters, dispose }.
 */
export function tfjsSmallCnn(tf, state, { variant, temperature = 30 }) {
  const trainable = [], buffers = [];
  const take = (name, shape, convert) => {
    const s = state[name];
    if (!s) throw new Error(`tfjsSmallCnn(${variant}): the state dict has no '${name}'`);
    const isBuffer = /running_(mean|var)$/.test(name);
    const v = tf.variable(tf.tensor(convert ? convert(s) : s.data, shape ?? s.shape), !isBuffer, name.replace(/[^\w]/g, '_'));
    (isBuffer ? buffers : trainable).push({ name, v, count: s.data.length });
    return v;
  };
  const convW = (name) => take(name, hwioShape(state[name]?.shape), (s) => oihwToHwio(s.data, ...s.shape));
  const bn = (prefix) => ({
    weight: take(`${prefix}.weight`), bias: take(`${prefix}.bias`),
    mean: take(`${prefix}.running_mean`), variance: take(`${prefix}.running_var`),
  });
  const pad1 = [[0, 0], [1, 1], [1, 1], [0, 0]];

  // BatchNorm over every axis but the last (channels, NHWC or [N, pixels, L]).
  const batchNorm = (x, p, training) => {
    if (!training) return tf.batchNorm(x, p.mean, p.variance, p.bias, p.weight, EPS);
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const count = x.size / x.shape.at(-1);
    p.mean.assign(tf.add(tf.mul(p.mean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
    p.variance.assign(tf.add(tf.mul(p.variance, 1 - MOMENTUM), tf.mul(variance, MOMENTUM * count / (count - 1))));
    return tf.batchNorm(x, mean, variance, p.bias, p.weight, EPS);
  };
  const linear = (v, w, b) => (b ? tf.add(tf.matMul(v, w, false, true), b) : tf.matMul(v, w, false, true));
  const hsig = (v) => tf.div(tf.relu6(tf.add(v, 3)), 3);

  const conv3x3 = (prefix, cin, cout, stride) => {
    if (variant === 'static') {
      const w = convW(`${prefix}.weight`);
      return (x) => tf.conv2d(x, w, stride, pad1);
    }
    if (variant === 'dy') return dynamicConv(prefix, cin, cout, stride);
    return dcdConv(prefix, stride);
  };

  function dynamicConv(prefix, cin, cout, stride) {
    const [k] = state[`${prefix}.weight`].shape;
    // (K, O, I, 3, 3) → (K, 3·3·I·O): each kernel in HWIO, so Σ_k π_k W_k is one matMul.
    const w = take(`${prefix}.weight`, [k, 9 * cin * cout], (s) => {
      const out = new Float32Array(s.data.length), per = 9 * cin * cout;
      for (let i = 0; i < k; i++) out.set(oihwToHwio(s.data.subarray(i * per, (i + 1) * per), cout, cin, 3, 3), i * per);
      return out;
    });
    const fc1w = take(`${prefix}.attention.fc1.weight`), fc1b = take(`${prefix}.attention.fc1.bias`);
    const fc2w = take(`${prefix}.attention.fc2.weight`), fc2b = take(`${prefix}.attention.fc2.bias`);
    return (x) => {
      const g = tf.mean(x, [1, 2]);
      const pi = tf.softmax(tf.div(linear(tf.relu(linear(g, fc1w, fc1b)), fc2w, fc2b), temperature));
      const kernels = tf.matMul(pi, w); // [N, 3·3·I·O]
      const samples = tf.split(x, x.shape[0], 0), perSample = tf.split(kernels, x.shape[0], 0);
      return tf.concat(samples.map((xs, n) => tf.conv2d(xs, tf.reshape(perSample[n], [3, 3, cin, cout]), stride, pad1)), 0);
    };
  }

  function dcdConv(prefix, stride) {
    const w0 = convW(`${prefix}.conv.weight`), q = convW(`${prefix}.q.weight`), p = convW(`${prefix}.p.weight`);
    const bn1 = bn(`${prefix}.bn1`), bn2 = bn(`${prefix}.bn2`);
    const fc0 = take(`${prefix}.fc.0.weight`), fc1 = take(`${prefix}.fc.1.fc.0.weight`);
    const fcPhi = take(`${prefix}.fc_phi.weight`), fcScale = take(`${prefix}.fc_scale.weight`);
    const latent = state[`${prefix}.q.weight`].shape[0];
    return (x, training) => {
      const [n] = x.shape;
      let s = linear(adaptiveAvgPool2(x), fc0);
      s = tf.mul(s, hsig(linear(s, fc1)));
      const phi = tf.reshape(linear(s, fcPhi), [n, latent, latent]);
      const lambda = hsig(linear(s, fcScale));
      const r = tf.mul(tf.conv2d(x, w0, stride, pad1), tf.reshape(lambda, [n, 1, 1, -1]));
      const z4 = batchNorm(tf.conv2d(x, q, stride, 'valid'), bn1, training);
      const [, oh, ow] = z4.shape;
      const z = tf.reshape(z4, [n, oh * ow, latent]);
      const fused = tf.add(batchNorm(tf.matMul(z, phi, false, true), bn2, training), z); // Φ·z at every pixel
      return tf.add(tf.conv2d(tf.reshape(fused, [n, oh, ow, latent]), p, 1, 'valid'), r);
    };
  }

  // AdaptiveAvgPool2d(2) flattened channel-major (index c·4 + i·2 + j); bin i covers ⌊i·H/2⌋ … ⌈(i+1)·H/2⌉ − 1.
  function adaptiveAvgPool2(x) {
    const [n, h, w, c] = x.shape;
    const bins = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const h0 = Math.floor(i * h / 2), h1 = Math.ceil((i + 1) * h / 2), w0 = Math.floor(j * w / 2), w1 = Math.ceil((j + 1) * w / 2);
        bins.push(tf.mean(tf.slice(x, [0, h0, w0, 0], [n, h1 - h0, w1 - w0, c]), [1, 2]));
      }
    }
    return tf.reshape(tf.stack(bins, 2), [n, 4 * c]);
  }

  const stem = { w: convW('stem.0.weight'), bn: bn('stem.1') };
  const blocks = STAGES.map(({ cin, cout, stride }, i) => {
    const pre = `blocks.${i}`;
    return {
      conv1: conv3x3(`${pre}.conv1`, cin, cout, stride), bn1: bn(`${pre}.bn1`),
      conv2: conv3x3(`${pre}.conv2`, cout, cout, 1), bn2: bn(`${pre}.bn2`),
      shortcut: stride !== 1 || cin !== cout ? { w: convW(`${pre}.shortcut.0.weight`), bn: bn(`${pre}.shortcut.1`), stride } : null,
    };
  });
  const fc = { w: take('fc.weight'), b: take('fc.bias') };

  const forward = (x, training) => {
    let h = tf.relu(batchNorm(tf.conv2d(x, stem.w, 1, pad1), stem.bn, training));
    for (const b of blocks) {
      let out = tf.relu(batchNorm(b.conv1(h, training), b.bn1, training));
      out = batchNorm(b.conv2(out, training), b.bn2, training);
      const short = b.shortcut ? batchNorm(tf.conv2d(h, b.shortcut.w, b.shortcut.stride, 'valid'), b.shortcut.bn, training) : h;
      h = tf.relu(tf.add(out, short));
    }
    return linear(tf.mean(h, [1, 2]), fc.w, fc.b);
  };

  const unused = Object.keys(state).filter((k) => ![...trainable, ...buffers].some((e) => e.name === k));
  if (unused.length) throw new Error(`tfjsSmallCnn(${variant}): state dict entries not used: ${unused.join(', ')}`);
  return {
    forward,
    trainable: trainable.map((e) => e.v),
    numParameters: trainable.reduce((a, e) => a + e.count, 0),
    dispose: () => [...trainable, ...buffers].forEach((e) => e.v.dispose()),
  };
}

const hwioShape = (shape) => (shape ? [shape[2], shape[3], shape[1], shape[0]] : undefined);
