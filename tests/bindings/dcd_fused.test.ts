/**
 * dcdForward's fused output (inference plans, issue 11): y = act(λ ⊙ conv(x, W0, b0) + P·z + postBias +
 * residual), written into `out` when given — against the same layer's plain eval forward followed by
 * the adds and the clamp in JS, on every backend and every eval path (one-call composed kernel,
 * effective weights, per kernel), plus the typed errors.
 */
import { describe, expect, it } from 'vitest';
import {
  DCDBasicConv2d, DCDConv2d, DYModule, OptionError, ShapeError, init, type DcdEvalStrategy, type DcdLayer,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { maxAbs, maxAbsDiff, randomArray, seededRandom } from '../harness/numeric';

type Make = (m: Awaited<ReturnType<typeof init>>) => DcdLayer;
const LAYERS: [string, Make, number[]][] = [
  ['conv_dy 3×3 16→8 stride 2', (m) => new DCDConv2d(m, { inChannels: 16, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, seed: 1 }), [2, 16, 9, 9]],
  ['conv_basic_dy 8→8', (m) => new DCDBasicConv2d(m, { inChannels: 8, outChannels: 8, seed: 2 }), [2, 8, 6, 6]],
  ['DYModule 1×1 12→20', (m) => new DYModule(m, { inChannels: 12, outChannels: 20, seed: 3 }), [1, 12, 5, 5]],
];
const STRATEGIES: DcdEvalStrategy[] = ['composed', 'weights'];

function expected(y: Float32Array, shape: readonly number[], bias: Float32Array | null, res: Float32Array | null, act: 'relu' | 'relu6' | null): Float32Array {
  const per = shape.slice(2).reduce((a, b) => a * b, 1), c = shape[1];
  return y.map((v, i) => {
    let r = bias ? Math.fround(v + bias[Math.floor(i / per) % c]) : v;
    if (res) r = Math.fround(r + res[i]);
    return act === 'relu' ? Math.max(r, 0) : act === 'relu6' ? Math.min(Math.max(r, 0), 6) : r;
  });
}

for (const backend of BACKENDS) {
  describe(`dcdForward fused output [${backend}]`, () => {
    for (const [name, make, xShape] of LAYERS) {
      for (const strategy of STRATEGIES) {
        it(`${name} (${strategy}): postBias + residual + ReLU / ReLU6, into out`, async () => {
          const m = await init({ backend });
          const layer = make(m).eval();
          const rand = seededRandom(xShape.length + name.length);
          const state = Object.fromEntries(layer.namedState());
          const dims = layer.dims;
          try {
            m.scope(() => {
              const x = m.tensor(randomArray(xShape.reduce((a, b) => a * b, 1), rand), xShape);
              const plain = m.dcdForward(dims, state, x, { training: false, needsBackward: false, evalStrategy: strategy }).y;
              const yShape = plain.shape;
              const bias = randomArray(dims.cout, rand), res = randomArray(plain.size, rand);
              const postBias = m.tensor(bias, [dims.cout]), residual = m.tensor(res, yShape);
              for (const activation of ['relu', 'relu6', null] as const) {
                const out = m.zeros(yShape);
                const { y } = m.dcdForward(dims, state, x, {
                  training: false, needsBackward: false, evalStrategy: strategy, postBias, residual, activation, out,
                });
                expect(y).toBe(out);
                const want = expected(plain.data, yShape, bias, res, activation);
                expect(maxAbsDiff(y.data, want) / maxAbs(want), `${activation}`).toBeLessThanOrEqual(1e-6);
              }
              // Only a clamp (no bias, no residual), a fresh output.
              const { y } = m.dcdForward(dims, state, x, { training: false, needsBackward: false, evalStrategy: strategy, activation: 'relu' });
              expect(maxAbsDiff(y.data, expected(plain.data, yShape, null, null, 'relu'))).toBe(0);
            });
          } finally {
            layer.dispose();
          }
          expect(m.info().liveTensors).toBe(0);
        });
      }
    }

    it('typed errors: training mode, a postBias of the wrong shape, out = residual, a bad activation', async () => {
      const m = await init({ backend });
      const layer = LAYERS[1][1](m).eval();
      const state = Object.fromEntries(layer.namedState());
      const dims = layer.dims;
      try {
        m.scope(() => {
          const x = m.zeros([2, 8, 6, 6]);
          const y = m.zeros([2, 8, 6, 6]);
          const inference = { training: false, needsBackward: false } as const;
          expect(() => m.dcdForward(dims, state, x, { training: true, activation: 'relu' })).toThrow(OptionError);
          expect(() => m.dcdForward(dims, state, x, { training: false, out: y })).toThrow(/inference only/);
          expect(() => m.dcdForward(dims, state, x, { ...inference, postBias: m.zeros([7]) })).toThrow(ShapeError);
          expect(() => m.dcdForward(dims, state, x, { ...inference, residual: m.zeros([2, 8, 6]) })).toThrow(ShapeError);
          expect(() => m.dcdForward(dims, state, x, { ...inference, residual: y, out: y })).toThrow(/must not be the residual/);
          expect(() => m.dcdForward(dims, state, x, { ...inference, out: x })).toThrow(OptionError);
          expect(() => m.dcdForward(dims, state, x, { ...inference, activation: 'gelu' as 'relu' })).toThrow(OptionError);
        });
      } finally {
        layer.dispose();
      }
    });
  });
}
