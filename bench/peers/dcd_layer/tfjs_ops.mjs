// The conv_dy layer (eval mode) composed from TensorFlow.js ops, as a tfjs user would write it on the
// wasm backend: NHWC activations, HWIO filters and Linear weights prepared once, BatchNorm via
// tf.batchNorm, every intermediate disposed by tf.tidy. Spec: /work/shared/spec/DCD.md §3.
import { oihwToHwio } from '../layout.mjs';

const EPS = 1e-5;

/** Returns (x: NHWC tf.Tensor4D) => y (NHWC), plus dispose() for the prepared weights. */
export function tfjsConvDy(tf, d, state) {
  const { cin, cout, kernel: k, latent: L, stride, padding } = d;
  const t = (name, shape) => tf.tensor(state[name].data, shape ?? state[name].shape);
  const weights = {
    w0: tf.tensor4d(oihwToHwio(state['conv.weight'].data, cout, cin, k, k), [k, k, cin, cout]),
    q: tf.tensor4d(oihwToHwio(state['q.weight'].data, L, cin, 1, 1), [1, 1, cin, L]),
    p: tf.tensor4d(oihwToHwio(state['p.weight'].data, cout, L, 1, 1), [1, 1, L, cout]),
    fc0: t('fc.0.weight'), fc1: t('fc.1.fc.0.weight'), fcPhi: t('fc_phi.weight'), fcScale: t('fc_scale.weight'),
  };
  for (const bn of ['bn1', 'bn2']) {
    for (const f of ['weight', 'bias', 'running_mean', 'running_var']) weights[`${bn}.${f}`] = t(`${bn}.${f}`);
  }
  const batchNorm = (x, bn) => tf.batchNorm(x, weights[`${bn}.running_mean`], weights[`${bn}.running_var`],
    weights[`${bn}.bias`], weights[`${bn}.weight`], EPS);
  const hsig = (v) => tf.mul(tf.relu6(tf.add(v, 3)), 1 / 3); // relu6(t + 3) / 3, as the reference
  const linear = (v, w) => tf.matMul(v, w, false, true);     // v · Wᵀ, PyTorch's Linear without bias
  const pad = padding === 0 ? 'valid' : [[0, 0], [padding, padding], [padding, padding], [0, 0]];

  const forward = (x) => tf.tidy(() => {
    const batch = x.shape[0];
    let s = linear(tf.mean(x, [1, 2]), weights.fc0);
    s = tf.mul(s, hsig(linear(s, weights.fc1)));
    const phi = tf.reshape(linear(s, weights.fcPhi), [batch, L, L]);
    const lambda = hsig(linear(s, weights.fcScale));
    const r = tf.mul(tf.conv2d(x, weights.w0, stride, pad), tf.reshape(lambda, [batch, 1, 1, cout]));
    const z4 = batchNorm(tf.conv2d(x, weights.q, stride, 'valid'), 'bn1');
    const [, oh, ow] = z4.shape;
    const z = tf.reshape(z4, [batch, oh * ow, L]);
    const fused = tf.add(batchNorm(tf.matMul(z, phi, false, true), 'bn2'), z); // Φ·z at every pixel
    return tf.add(tf.conv2d(tf.reshape(fused, [batch, oh, ow, L]), weights.p, 1, 'valid'), r);
  });
  return { forward, dispose: () => Object.values(weights).forEach((w) => w.dispose()) };
}
