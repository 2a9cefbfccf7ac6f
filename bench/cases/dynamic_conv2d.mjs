// Dynamic convolution (DY-Conv softmax attention, CondConv sigmoid routing) benchmark rows, each
// timed next to the static conv2d of the same shape: the "SIMD vs static" column is the overhead a
// user pays for the dynamic layer.
import { DynamicConv2d } from '../../dist/index.js';
import { randomData, mapValues } from '../lib/data.mjs';

const SHAPES = [
  { name: 'DY-Conv K=4 3x3 256->256 @14', c: 256, k: 256, hw: 14, kernel: 3, padding: 1, kernels: 4, mode: 'softmax' },
  { name: 'DY-Conv K=4 1x1 64->256 @56', c: 64, k: 256, hw: 56, kernel: 1, padding: 0, kernels: 4, mode: 'softmax' },
  { name: 'CondConv K=8 3x3 128->128 @28', c: 128, k: 128, hw: 28, kernel: 3, padding: 1, kernels: 8, mode: 'sigmoid' },
];

function staticConv(m, s, batch, xData) {
  const x = m.tensor(xData, [batch, s.c, s.hw, s.hw]);
  const w = m.tensor(randomData(s.k * s.c * s.kernel * s.kernel, 7, 0.05), [s.k, s.c, s.kernel, s.kernel]);
  const b = m.tensor(randomData(s.k, 8), [s.k]);
  const o = s.hw + 2 * s.padding - s.kernel + 1;
  const dy = m.tensor(randomData(batch * s.k * o * o, 9), [batch, s.k, o, o]);
  return {
    forward: () => m.conv2d(x, w, { padding: s.padding, bias: b }).dispose(),
    backward: () => {
      const g = m.conv2dBackward(x, w, dy, { padding: s.padding, bias: true });
      g.dx.dispose(); g.dw.dispose(); g.db.dispose();
    },
    dispose: () => { x.dispose(); w.dispose(); b.dispose(); dy.dispose(); },
  };
}

function prepare(m, s, batch, xData, dyData) {
  const layer = new DynamicConv2d(m, {
    inChannels: s.c, outChannels: s.k, kernelSize: s.kernel, padding: s.padding, kernels: s.kernels,
    mode: s.mode, ...(s.mode === 'softmax' ? { temperature: 1 } : {}), seed: 1,
  });
  const o = s.hw + 2 * s.padding - s.kernel + 1;
  const x = m.tensor(xData, [batch, s.c, s.hw, s.hw]);
  const dy = m.tensor(dyData, [batch, s.k, o, o]);
  return {
    // Training mode (the default): forward records x, which backward reads (it recomputes the cheap
    // attention branch itself, so the backward row times the whole backward a user pays for).
    forward: () => layer.forward(x).dispose(),
    backward: () => layer.backward(dy).dispose(),
    outputs: () => {
      const y = layer.forward(x);
      const dx = layer.backward(dy);
      const out = { y: y.toFloat32Array(), dx: dx.toFloat32Array(), dweight: layer.grad('weight').toFloat32Array() };
      y.dispose(); dx.dispose();
      return out;
    },
    dispose: () => { layer.dispose(); x.dispose(); dy.dispose(); },
  };
}

export const dynamicConv2dSuite = {
  name: 'dynamic-conv2d',
  *rows(engines, { batches, quick }) {
    for (const batch of batches) {
      for (const s of quick ? SHAPES.slice(0, 1) : SHAPES) {
        const o = s.hw + 2 * s.padding - s.kernel + 1;
        const xData = randomData(batch * s.c * s.hw * s.hw, 11);
        const dyData = randomData(batch * s.k * o * o, 12);
        const prepared = mapValues(engines, (m) => prepare(m, s, batch, xData, dyData));
        const base = staticConv(engines['wasm-simd'], s, batch, xData);
        const flops = 2 * batch * s.k * o * o * s.c * s.kernel * s.kernel; // the conv's; attention is extra
        const outputs = mapValues(prepared, (p) => p.outputs());
        yield { layer: s.name, pass: 'forward', batch, flops, outputs, run: mapValues(prepared, (p) => p.forward),
          baseline: { label: 'static conv2d', run: base.forward } };
        // The backward row needs a recorded forward: done here, explicitly and untimed, rather than
        // relying on whatever ran last (outputs() or the forward row's closures).
        for (const p of Object.values(prepared)) p.forward();
        yield { layer: s.name, pass: 'backward (all grads)', batch, flops: 2 * flops, outputs, run: mapValues(prepared, (p) => p.backward),
          baseline: { label: 'static conv2d backward', run: base.backward } };
        for (const p of Object.values(prepared)) p.dispose();
        base.dispose();
      }
    }
  },
};
