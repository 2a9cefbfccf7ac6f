// What bench:train times, shared by every engine: the network's settings, the optimiser, the loss and
// one deterministic batch (the same images and labels for every engine, in each engine's layout).
import { nchwToNhwc } from '../peers/layout.mjs';

export const VARIANTS = ['static', 'dy', 'dcd'];
/** examples/train/fashion-mnist.mjs and tools/bench_train_torch.py: SGD Nesterov, label smoothing 0.1. */
export const SGD_OPTIONS = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
export const LABEL_SMOOTHING = 0.1;
/** DY-Conv's softmax temperature (the training run starts at 30; the value does not change the work). */
export const TEMPERATURE = 30;
export const IMAGE = { channels: 1, size: 28 };
export const CLASSES = 10;

/** batch images of 1×28×28, uniform in [-1, 1) from a fixed seed, labels 0…9 in turn; NCHW and NHWC. */
export function makeBatch(batch) {
  const { channels: c, size } = IMAGE;
  const x = new Float32Array(batch * c * size * size);
  let s = 0x9e3779b9;
  for (let i = 0; i < x.length; i++) { // xorshift32: fast, deterministic, good enough for inputs
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    x[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % CLASSES);
  return {
    nchw: { x, shape: [batch, c, size, size], labels },
    nhwc: { x: nchwToNhwc(x, batch, c, size, size), shape: [batch, size, size, c], labels },
  };
}

/**
 * One training step of smallCnn `variant` on backend `m` (the bench:train step: forward, label-smoothed
 * cross entropy, backward, SGD), as { step() → loss, dispose() }; `batch` from makeBatch(n).nchw.
 * Shared by the thread-scaling scripts (threads.mjs, step_model.mjs).
 */
export function makeTrainStep(lib, m, variant, batch) {
  const net = lib.smallCnn(m, { variant, seed: 0, ...(variant === 'dy' ? { temperature: TEMPERATURE } : {}) }).train();
  const sgd = new lib.SGD(m, net.parameterEntries(), { ...SGD_OPTIONS });
  const step = () => m.scope(() => {
    const { loss, grad } = lib.crossEntropy(m, net.forward(m.tensor(batch.x, batch.shape)), batch.labels, { labelSmoothing: LABEL_SMOOTHING });
    sgd.zeroGrad();
    net.backward(grad);
    sgd.step();
    return loss;
  });
  return { step, dispose: () => { sgd.dispose(); net.dispose(); } };
}

/**
 * Wraps every op method of backend `m` to add its wall time (outermost calls only) into the map it
 * returns; `onOp(name | null)` (optional) hears which op is running. Shared by threads.mjs and
 * step_model.mjs.
 */
export function timeOps(m, onOp = null) {
  const times = new Map();
  let depth = 0;
  for (const name of Object.keys(m)) {
    const f = m[name];
    if (typeof f !== 'function' || ['scope', 'tensor', 'info', 'keep', 'dispose'].includes(name)) continue;
    m[name] = (...args) => {
      if (depth > 0) return f(...args);
      depth++;
      onOp?.(name);
      const t0 = performance.now();
      try {
        return f(...args);
      } finally {
        depth--;
        onOp?.(null);
        times.set(name, (times.get(name) ?? 0) + performance.now() - t0);
      }
    };
  }
  return times;
}
