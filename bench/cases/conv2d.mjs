// conv2d benchmark cases: the layer shapes of the DCD reference networks (ResNet, MobileNetV2).
import { randomData, mapValues } from '../lib/data.mjs';

export const CONV2D_SHAPES = [
  { name: '1x1 64->256 @56', c: 64, k: 256, hw: 56, kernel: 1 },
  { name: '1x1 256->64 @56', c: 256, k: 64, hw: 56, kernel: 1 },
  { name: '1x1 512->2048 @7', c: 512, k: 2048, hw: 7, kernel: 1 },
  { name: '1x1 96->576 @14', c: 96, k: 576, hw: 14, kernel: 1 },
  { name: '3x3 64->64 @56', c: 64, k: 64, hw: 56, kernel: 3, padding: 1 },
  { name: '3x3 128->128 @28', c: 128, k: 128, hw: 28, kernel: 3, padding: 1 },
  { name: '3x3 256->256 s2 @14', c: 256, k: 256, hw: 14, kernel: 3, stride: 2, padding: 1 },
  { name: '7x7 s2 3->64 @224', c: 3, k: 64, hw: 224, kernel: 7, stride: 2, padding: 3 },
  { name: 'dw 3x3 144 @56', c: 144, k: 144, hw: 56, kernel: 3, padding: 1, groups: 144 },
  { name: 'dw 3x3 576 @14', c: 576, k: 576, hw: 14, kernel: 3, padding: 1, groups: 576 },
  { name: 'dw 3x3 s2 144 @56', c: 144, k: 144, hw: 56, kernel: 3, stride: 2, padding: 1, groups: 144 }, // MobileNetV2 downsampling
  { name: 'dw 5x5 240 @28', c: 240, k: 240, hw: 28, kernel: 5, padding: 2, groups: 240 },               // MobileNetV3 / EfficientNet
];

function outSize(size, kernel, stride, padding) {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** Multiply-adds × 2 of one forward pass. Backward (dx + dW) costs twice that. */
export function conv2dFlops(s, batch) {
  const stride = s.stride ?? 1, padding = s.padding ?? 0, groups = s.groups ?? 1;
  const o = outSize(s.hw, s.kernel, stride, padding);
  return 2 * batch * s.k * o * o * (s.c / groups) * s.kernel * s.kernel;
}

/**
 * Builds, for one shape and batch, a { forward, backward } pair of closures per engine, plus a
 * correctness check of each engine against the first one (the reference), done before timing.
 */
export function prepareConv2d(engines, s, batch) {
  const stride = s.stride ?? 1, padding = s.padding ?? 0, groups = s.groups ?? 1;
  const o = outSize(s.hw, s.kernel, stride, padding);
  const xData = randomData(batch * s.c * s.hw * s.hw, 1);
  const wScale = 1 / Math.sqrt((s.c / groups) * s.kernel * s.kernel);
  const wData = randomData(s.k * (s.c / groups) * s.kernel * s.kernel, 2, wScale);
  const bData = randomData(s.k, 3);
  const dyData = randomData(batch * s.k * o * o, 4);
  const opts = { stride, padding, groups };

  const prepared = {};
  for (const [name, m] of Object.entries(engines)) {
    const x = m.tensor(xData, [batch, s.c, s.hw, s.hw]);
    const w = m.tensor(wData, [s.k, s.c / groups, s.kernel, s.kernel]);
    const b = m.tensor(bData, [s.k]);
    const dy = m.tensor(dyData, [batch, s.k, o, o]);
    prepared[name] = {
      forward: () => m.conv2d(x, w, { ...opts, bias: b }).dispose(),
      backward: () => {
        const g = m.conv2dBackward(x, w, dy, { ...opts, bias: true });
        g.dx?.dispose(); g.dw?.dispose(); g.db?.dispose();
      },
      outputs: () => {
        const y = m.conv2d(x, w, { ...opts, bias: b });
        const g = m.conv2dBackward(x, w, dy, { ...opts, bias: true });
        // db is timed in the backward row, so it is checked too
        const out = { y: y.toFloat32Array(), dx: g.dx.toFloat32Array(), dw: g.dw.toFloat32Array(), db: g.db.toFloat32Array() };
        y.dispose(); g.dx.dispose(); g.dw.dispose(); g.db?.dispose();
        return out;
      },
      dispose: () => { x.dispose(); w.dispose(); b.dispose(); dy.dispose(); },
    };
  }
  return prepared;
}

/** The suite interface used by bench/run.mjs: yields one benchmark row per (shape, batch, pass). */
export const conv2dSuite = {
  name: 'conv2d',
  *rows(engines, { batches, quick }) {
    const shapes = quick ? CONV2D_SHAPES.filter((s) => /^(1x1 64->256|3x3 64->64|dw 3x3 144)/.test(s.name)) : CONV2D_SHAPES;
    for (const batch of batches) {
      for (const s of shapes) {
        const prepared = prepareConv2d(engines, s, batch);
        const flops = conv2dFlops(s, batch);
        const outputs = Object.fromEntries(Object.entries(prepared).map(([n, p]) => [n, p.outputs()]));
        yield { layer: s.name, pass: 'forward', batch, flops, outputs, run: mapValues(prepared, (p) => p.forward) };
        yield { layer: s.name, pass: 'backward (dx+dW+db)', batch, flops: 2 * flops, outputs, run: mapValues(prepared, (p) => p.backward) };
        for (const p of Object.values(prepared)) p.dispose();
      }
    }
  },
};

