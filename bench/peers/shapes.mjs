// The conv2d shapes of issue 5's table: bench/cases/conv2d.mjs's shapes plus the one it lacks
// (1×1 576→96 @14², MobileNetV2's projection), in the issue's order. Inputs are deterministic.
import { CONV2D_SHAPES, conv2dFlops } from '../cases/conv2d.mjs';

const PROJECTION_576_96 = { name: '1x1 576->96 @14', c: 576, k: 96, hw: 14, kernel: 1 };

export const PEER_SHAPES = (() => {
  const shapes = [...CONV2D_SHAPES];
  if (!shapes.some((s) => s.name === PROJECTION_576_96.name)) {
    shapes.splice(shapes.findIndex((s) => s.name === '1x1 96->576 @14') + 1, 0, PROJECTION_576_96);
  }
  return shapes;
})();

export const QUICK_SHAPES = PEER_SHAPES.filter((s) => /^(1x1 64->256|3x3 64->64|dw 3x3 144)/.test(s.name));

/** The engine-neutral description of one forward conv: shape, options, NCHW input, OIHW weight, bias. */
export function makeConv(s, batch) {
  const stride = s.stride ?? 1, padding = s.padding ?? 0, groups = s.groups ?? 1;
  const outHw = Math.floor((s.hw + 2 * padding - s.kernel) / stride) + 1;
  const wScale = 1 / Math.sqrt((s.c / groups) * s.kernel * s.kernel);
  return {
    name: s.name, batch, c: s.c, k: s.k, hw: s.hw, kernel: s.kernel, stride, padding, groups, outHw,
    depthwise: groups > 1,
    flops: conv2dFlops(s, batch),
    x: lcg(batch * s.c * s.hw * s.hw, 1),
    weight: lcg(s.k * (s.c / groups) * s.kernel * s.kernel, 2).map((v) => v * wScale),
    bias: lcg(s.k, 3),
    dy: () => lcg(batch * s.k * outHw * outHw, 4), // the backward's output gradient, made when asked for
  };
}

/** Uniform values in [−1, 1) from a small LCG: identical inputs for every engine and every run. */
export function lcg(size, seed) {
  const a = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    a[i] = state / 2 ** 31 - 1;
  }
  return a;
}
