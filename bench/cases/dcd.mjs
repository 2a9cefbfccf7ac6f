// DCD layer benchmark rows (Dynamic Convolution Decomposition, spec §3). Each row is timed next to a
// baseline in the same interleaved rounds: the static conv2d of the same shape (the overhead a user pays
// for the dynamic layer), or — for the "unfused" row — this library's fused DCD forward (what fusion saves).
import { DCDConv2d, DCDBasicConv2d, DYModule, dcdForwardUnfused } from '../../dist/index.js';
import { randomData, mapValues } from '../lib/data.mjs';

const SHAPES = [
  { name: 'DCD conv_dy 3x3 256->256 @14', Layer: DCDConv2d, c: 256, k: 256, hw: 14, kernel: 3, padding: 1, opts: { kernelSize: 3, padding: 1 } },
  { name: 'DCD conv_dy 1x1 64->256 @56', Layer: DCDConv2d, c: 64, k: 256, hw: 56, kernel: 1, padding: 0, opts: { kernelSize: 1 } },
  { name: 'DCD conv_basic_dy 3x3 64->64 @56', Layer: DCDBasicConv2d, c: 64, k: 64, hw: 56, kernel: 3, padding: 1, opts: {} },
  { name: 'DCD DYModule 1x1 96->576 @14', Layer: DYModule, c: 96, k: 576, hw: 14, kernel: 1, padding: 0, opts: {} },
];

function staticConv(m, s, batch, xData, dyData) {
  const x = m.tensor(xData, [batch, s.c, s.hw, s.hw]);
  const w = m.tensor(randomData(s.k * s.c * s.kernel * s.kernel, 7, 0.05), [s.k, s.c, s.kernel, s.kernel]);
  const dy = m.tensor(dyData, [batch, s.k, s.hw, s.hw]);
  return {
    forward: () => m.conv2d(x, w, { padding: s.padding }).dispose(),
    trainStep: () => {
      m.conv2d(x, w, { padding: s.padding }).dispose();
      const g = m.conv2dBackward(x, w, dy, { padding: s.padding });
      g.dx.dispose(); g.dw.dispose();
    },
    dispose: () => { x.dispose(); w.dispose(); dy.dispose(); },
  };
}

function prepare(m, s, batch, xData, dyData) {
  // the unfused composition exists on the wasm backends only
  const unfused = m.info().backend === 'js' ? null : dcdForwardUnfused;
  const layer = new s.Layer(m, { inChannels: s.c, outChannels: s.k, ...s.opts, seed: 1 });
  const x = m.tensor(xData, [batch, s.c, s.hw, s.hw]);
  const dy = m.tensor(dyData, [batch, s.k, s.hw, s.hw]);
  const state = Object.fromEntries([...layer.namedParameters(), ...layer.namedBuffers()]);
  return {
    layer,
    // The mode is set by the suite between rows (eval before the forward rows, train before the
    // train-step row), not inside the timed closures: switching mode is not part of an op's cost.
    inference: () => layer.forward(x).dispose(),
    unfused: unfused ? () => unfused(layer.dims, state, x, { training: false }).dispose() : null,
    trainStep: () => {
      layer.forward(x).dispose();
      layer.backward(dy).dispose();
    },
    outputs: () => {
      // Eval mode: the running statistics stay fixed, so every engine sees the same state.
      layer.eval();
      const y = layer.forward(x);
      const out = { y: y.toFloat32Array() };
      y.dispose();
      if (unfused) {
        const u = unfused(layer.dims, state, x, { training: false });
        out.unfusedMatchesFused = u.toFloat32Array();
        u.dispose();
      } else {
        out.unfusedMatchesFused = out.y;
      }
      return out;
    },
    dispose: () => { layer.dispose(); x.dispose(); dy.dispose(); },
  };
}

export const dcdSuite = {
  name: 'dcd',
  *rows(engines, { batches, quick }) {
    for (const batch of batches) {
      for (const s of quick ? SHAPES.slice(0, 1) : SHAPES) {
        const xData = randomData(batch * s.c * s.hw * s.hw, 21);
        const dyData = randomData(batch * s.k * s.hw * s.hw, 22);
        // Train mode changes running statistics, so outputs are taken (eval mode) before any timing.
        const prepared = mapValues(engines, (m) => prepare(m, s, batch, xData, dyData));
        const outputs = mapValues(prepared, (p) => p.outputs());
        const base = staticConv(engines['wasm-simd'], s, batch, xData, dyData);
        const flops = 2 * batch * s.k * s.hw * s.hw * s.c * s.kernel * s.kernel; // the static conv's
        // Every closure disposes its outputs (as a user must), on every engine and in the baseline alike.
        for (const p of Object.values(prepared)) p.layer.eval();
        yield { layer: s.name, pass: 'forward (eval)', batch, flops, outputs, run: mapValues(prepared, (p) => p.inference),
          baseline: { label: 'static conv2d forward', run: base.forward } };
        const simd = prepared['wasm-simd'];
        if (simd.unfused) {
          // The unfused composition exists on the wasm backends only. An engine without it is left out
          // of `run` (its columns show '—') rather than timing the fused forward under this label.
          const run = Object.fromEntries(Object.entries(prepared).filter(([, p]) => p.unfused).map(([n, p]) => [n, p.unfused]));
          yield { layer: s.name, pass: 'forward (eval), unfused', batch, flops, outputs, run,
            baseline: { label: 'fused DCD forward (eval)', run: simd.inference } };
        }
        for (const p of Object.values(prepared)) p.layer.train();
        yield { layer: s.name, pass: 'train step (fwd+bwd)', batch, flops: 3 * flops, outputs, run: mapValues(prepared, (p) => p.trainStep),
          baseline: { label: 'static conv2d forward + backward', run: base.trainStep } };
        for (const p of Object.values(prepared)) p.dispose();
        base.dispose();
      }
    }
  },
};
