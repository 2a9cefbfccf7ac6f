// TensorFlow.js on its plain-JS CPU backend (tfjs-backend-cpu): the fastest tfjs backend that can train
// this network in Node — tfjs-backend-wasm has no conv2d weight gradient (Conv2DBackpropFilter).
// Training step = forward (BatchNorm on batch statistics) + softmax cross entropy with label smoothing
// 0.1 + tf.variableGrads + weight decay 5e-4 added to every gradient (PyTorch SGD's weight_decay) +
// tf.train.momentum(0.05, 0.9, useNesterov = true), whose update is PyTorch's Nesterov SGD.
import { importTfjsCpu } from './tfjs_bundle.mjs';
import { tfjsSmallCnn } from './tfjs_net.mjs';
import { SGD_OPTIONS, LABEL_SMOOTHING } from './workload.mjs';

let tf = null;

export async function initTfjsCpu() {
  tf = await importTfjsCpu();
  tf.enableProdMode(); // no console banner about tfjs-node (this bench compares the JS CPU backend on purpose)
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend failed to initialise');
  await tf.ready();
  return { tf, label: `TensorFlow.js ${tf.version_core} (tfjs-backend-cpu, 1 thread)` };
}

/** One variant on tfjs-backend-cpu, from our state dict; batch: { x (NHWC Float32Array), shape NHWC, labels }. */
export function createTfjsEngine(state, variant, batch, { temperature }) {
  const net = tfjsSmallCnn(tf, state, { variant, temperature });
  const x = tf.tensor4d(batch.x, batch.shape);
  const classes = state['fc.bias'].shape[0];
  const onehot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes);
  const optimizer = tf.train.momentum(SGD_OPTIONS.lr, SGD_OPTIONS.momentum, true);
  const wd = SGD_OPTIONS.weightDecay;
  return {
    numParameters: net.numParameters,
    /** Logits as a Float32Array (training = batch statistics, which also moves the running ones). */
    logits: (training) => tf.tidy(() => net.forward(x, training).dataSync().slice()),
    trainStep: () => {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(onehot, net.forward(x, true), undefined, LABEL_SMOOTHING), net.trainable);
        const decayed = {};
        for (const v of net.trainable) decayed[v.name] = tf.add(grads[v.name], tf.mul(v, wd));
        optimizer.applyGradients(decayed);
        return value.dataSync()[0];
      });
      return loss;
    },
    infer: () => tf.tidy(() => net.forward(x, false).dataSync()),
    liveTensors: () => tf.memory().numTensors,
    dispose: () => { net.dispose(); x.dispose(); onehot.dispose(); optimizer.dispose(); },
  };
}
