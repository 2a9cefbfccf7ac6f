/**
 * dcdForward's fused output (inference plans, issue 11): y = act(λ ⊙ conv(x, W0, b0) + P·z + postBias +
 * residual), written into `out` when given — against the same layer's plain eval forward followed by
 * the adds and the clamp in JS, on every backend and every eval path (one-call composed kernel,
 * effective weights, per kernel), plus the typed errors. And prepareDcdForward (the plan's DCD step):
 * run() gives dcdForward's bits with the same options, holds its own copy of the state, allocates
 * nothing per run, and validates everything when prepared.
 */
import { describe, expect, it } from 'vitest';
import {
  DCDBasicConv2d, DCDConv2d, DTypeError, DYModule, DisposedTensorError, OptionError, ShapeError, StateDictError, createWorkspace, init,
  prepareDcdForward, type DcdEvalStrategy, type DcdLayer,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { maxAbs, maxAbsDiff, randomArray, seededRandom } from '../harness/numeric';

type Make = (m: Awaited<ReturnType<typeof init>>) => DcdLayer;
const LAYERS: [string, Make, number[]][] = [
  ['conv_dy 3×3 16→8 stride 2', (m) => new DCDConv2d(m, { inChannels: 16, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, seed: 1 }), [2, 16, 9, 9]],
  ['conv_basic_dy 8→8', (m) => new DCDBasicConv2d(m, { inChannels: 8, outChannels: 8, seed: 2 }), [2, 8, 6, 6]],
  ['DYModule 1×1 12→20', (m) => new DYModule(m, { inChannels: 12, outChannels: 20, seed: 3 }), [1, 12, 5, 5]],
  // ≥ 32 output channels on 49 = 6·8 + 1 pixels: the relaxed build's prepared op keeps W0 packed (in place of
  // its copy) and the static conv's last panel has one column
  ['DYModule 1×1 24→36 @7²', (m) => new DYModule(m, { inChannels: 24, outChannels: 36, seed: 4 }), [2, 24, 7, 7]],
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

    it('a training forward without a backward (needsBackward: false) gives the same y and running stats', async () => {
      const m = await init({ backend });
      const [a, b] = [LAYERS[1][1](m).train(), LAYERS[1][1](m).train()];
      try {
        m.scope(() => {
          const x = m.tensor(randomArray(2 * 8 * 6 * 6, seededRandom(4)), [2, 8, 6, 6]);
          const kept = m.dcdForward(a.dims, Object.fromEntries(a.namedState()), x, { training: true });
          kept.cache?.dispose();
          const bare = m.dcdForward(b.dims, Object.fromEntries(b.namedState()), x, { training: true, needsBackward: false });
          expect(bare.cache).toBeNull();
          expect(maxAbsDiff(bare.y.data, kept.y.data)).toBe(0);
          for (const [name, t] of a.namedBuffers()) expect(maxAbsDiff(b.namedBuffers().find(([n]) => n === name)![1].data, t.data), name).toBe(0);
        });
      } finally {
        a.dispose();
        b.dispose();
      }
    });

    describe('prepareDcdForward', () => {
      for (const [name, make, xShape] of LAYERS) {
        for (const strategy of STRATEGIES) {
          it(`${name} (${strategy}): run() gives dcdForward's bits, with and without each fused output`, async () => {
            const m = await init({ backend });
            const layer = make(m).eval();
            const state = Object.fromEntries(layer.namedState());
            const dims = layer.dims;
            const rand = seededRandom(7 + name.length);
            try {
              m.scope(() => {
                const x = m.tensor(randomArray(xShape.reduce((a, b) => a * b, 1), rand), xShape);
                const yShape = m.dcdForward(dims, state, x, { training: false, needsBackward: false }).y.shape;
                const postBias = m.tensor(randomArray(dims.cout, rand), [dims.cout]);
                const residual = m.tensor(randomArray(yShape.reduce((a, b) => a * b, 1), rand), yShape);
                const workspace = createWorkspace();
                for (const withBias of [false, true]) {
                  for (const withResidual of [false, true]) {
                    for (const activation of ['relu6', null] as const) {
                      const options = { postBias: withBias ? postBias : null, activation, evalStrategy: strategy };
                      const want = m.dcdForward(dims, state, x, {
                        training: false, needsBackward: false, ...options, residual: withResidual ? residual : null,
                      }).y;
                      const op = prepareDcdForward(dims, state, xShape, { ...options, residual: withResidual, workspace });
                      try {
                        expect(op.inputShape).toEqual(xShape);
                        expect(op.outputShape).toEqual(yShape);
                        const out = m.zeros(yShape);
                        op.run(x, out, withResidual ? residual : null);
                        const before = m.memoryStats().allocatedBytes;
                        op.run(x, out, withResidual ? residual : null); // twice: nothing left over from the first run
                        expect(m.memoryStats().allocatedBytes, 'allocated per run').toBe(before);
                        expect(maxAbsDiff(out.data, want.data), `bias ${withBias}, residual ${withResidual}, ${activation}`).toBe(0);
                      } finally {
                        op.dispose();
                      }
                    }
                  }
                }
                workspace.dispose();
              });
            } finally {
              layer.dispose();
            }
            expect(m.info().liveTensors).toBe(0);
          });
        }
      }

      // W0's panels are the relaxed build's wide-tile layout; the other builds have nothing to pack
      it.skipIf(backend !== 'wasm-relaxed-simd')('keeps W0 packed INSTEAD of copied on the one-call path (no second copy)', async () => {
        const bytesOn = async (b: 'wasm-relaxed-simd' | 'wasm-simd'): Promise<number> => {
          const mb = await init({ backend: b });
          const layer = new DYModule(mb, { inChannels: 24, outChannels: 36, seed: 4 }).eval();
          const workspace = createWorkspace(); // shared: not in bytes, which leaves state + plan (+ panels)
          const op = prepareDcdForward(layer.dims, Object.fromEntries(layer.namedState()), [2, 24, 7, 7], { evalStrategy: 'composed', workspace });
          const bytes = op.bytes;
          op.dispose();
          workspace.dispose();
          layer.dispose();
          return bytes;
        };
        const panels = Math.ceil(36 / 5) * 5 * 24 * 4; // 5-row panels of the 36 × 24 weight (a multiple of 64)
        const copy = 36 * 24 * 4; // the plain W0 the SIMD build copies (a multiple of 64)
        expect(await bytesOn('wasm-relaxed-simd') - await bytesOn('wasm-simd')).toBe(panels - copy);
      });

      it('holds its own copy of the state: the layer may be disposed; bytes, dispose() and run() after it', async () => {
        const m = await init({ backend });
        const layer = LAYERS[0][1](m).eval();
        const xShape = LAYERS[0][2];
        const x = m.tensor(randomArray(xShape.reduce((a, b) => a * b, 1), seededRandom(5)), xShape);
        const want = m.dcdForward(layer.dims, Object.fromEntries(layer.namedState()), x, { training: false, needsBackward: false }).y;
        const before = m.memoryStats().allocatedBytes;
        const op = prepareDcdForward(layer.dims, Object.fromEntries(layer.namedState()), xShape);
        const stateBytes = layer.namedState().reduce((n, [, t]) => n + t.size * 4, 0);
        if (backend === 'js') expect(op.bytes).toBe(0);
        else {
          expect(op.bytes).toBeGreaterThan(stateBytes);
          expect(m.memoryStats().allocatedBytes - before).toBe(op.bytes);
        }
        layer.dispose();
        const out = m.zeros(want.shape);
        op.run(x, out);
        expect(maxAbsDiff(out.data, want.data)).toBe(0);
        op.dispose();
        op.dispose(); // idempotent
        expect(() => op.run(x, out)).toThrow(DisposedTensorError);
        const again = prepareDcdForward(LAYERS[0][1](m).eval().dims, Object.fromEntries(LAYERS[0][1](m).eval().namedState()), xShape);
        x.dispose();
        expect(() => again.run(x, out)).toThrow(DisposedTensorError);
        again.dispose();
      });

      it('validates everything when prepared, with typed errors naming what was wrong', async () => {
        const m = await init({ backend });
        const layer = LAYERS[1][1](m).eval();
        const state = Object.fromEntries(layer.namedState());
        const dims = layer.dims;
        try {
          m.scope(() => {
            const bad: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
              [() => prepareDcdForward(dims, state, [2, 5, 6, 6]), ShapeError, /x has 5 channels but the layer has inChannels = 8/],
              [() => prepareDcdForward(dims, state, [2, 8, 6] as never), ShapeError, /x must have shape/],
              [() => prepareDcdForward(dims, state, '2x8x6x6' as never), ShapeError, /xShape must be an array of integers/],
              [() => prepareDcdForward(dims, state, [2, 8, 6, 6], { out: m.zeros([1]) } as never), OptionError, /unknown option 'out'/],
              [() => prepareDcdForward(dims, state, [2, 8, 6, 6], { residual: m.zeros([1]) } as never), OptionError, /residual must be a boolean/],
              [() => prepareDcdForward(dims, state, [2, 8, 6, 6], { activation: 'gelu' as never }), OptionError, /activation must be/],
              [() => prepareDcdForward(dims, state, [2, 8, 6, 6], { evalStrategy: 'fast' as never }), OptionError, /evalStrategy must be one of/],
              [() => prepareDcdForward(dims, state, [2, 8, 6, 6], { postBias: m.zeros([7]) }), ShapeError, /postBias must have shape \[8\]/],
              [() => prepareDcdForward(dims, {}, [2, 8, 6, 6]), DTypeError, /state must be a record of the layer's Tensors/],
              [() => prepareDcdForward(dims, { ...state, 'fc.0.weight': m.zeros([3]) }, [2, 8, 6, 6]), StateDictError, /'fc\.0\.weight' must have shape/],
            ];
            for (const [call, type, message] of bad) {
              expect(call).toThrow(type);
              expect(call).toThrow(message);
            }
            const op = prepareDcdForward(dims, state, [2, 8, 6, 6], { residual: true });
            try {
              expect(() => op.run(m.zeros([2, 8, 6, 6]), m.zeros([2, 8, 6, 6]))).toThrow(OptionError);
            } finally {
              op.dispose();
            }
          });
        } finally {
          layer.dispose();
        }
      });
    });
  });
}
