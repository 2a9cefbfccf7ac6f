/**
 * Dynamic convolution (DY-Conv softmax attention, CondConv sigmoid routing) on every backend: the
 * functional op and the DynamicConv2d layer against PyTorch fixtures (y, π and every gradient), the
 * layer's state dict and temperature, and the typed errors for invalid settings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import dynamicJson from '../fixtures/dynamic_conv.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type DecodedTensor } from '../fixtures/decode';
import { init, type Backend } from '../../bindings/index';
import { OptionError, ShapeError, StateDictError } from '../../bindings/errors';
import type { DynamicConv2dOps, DynamicConv2dOptions, DynamicConvMode } from '../../bindings/ops/dynamic_conv2d';
import { DynamicConv2d } from '../../bindings/nn/dynamic_conv2d';
import type { Tensor } from '../../bindings/tensor';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, type Tolerance } from '../harness/numeric';

type Pair = number | [number, number];
interface DynamicFixtureOptions {
  mode: DynamicConvMode;
  K: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
  bias: boolean;
  temperature?: number;
  hidden?: number;
}

const cases = asFixtureFile<DynamicFixtureOptions>(dynamicJson).cases;

/**
 * PyTorch's own float32-vs-float64 error on these cases is ≤ 1.2e-6 of each tensor's max; our
 * summation order differs (per-sample aggregation, then conv), so allow ~50× that.
 */
const VS_TORCH: Tolerance = { rtol: 6e-5, atol: 1e-6 };
const NOT_STATE = new Set(['x', 'y', 'dy', 'pi']);

type M = Backend & DynamicConv2dOps;

const opOptions = (o: DynamicFixtureOptions): DynamicConv2dOptions => ({
  mode: o.mode, stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups,
  ...(o.mode === 'softmax' ? { temperature: o.temperature } : {}),
});

const stateNames = (t: Record<string, DecodedTensor>): string[] =>
  Object.keys(t).filter((name) => !NOT_STATE.has(name) && !name.startsWith('d'));

function stateOf(m: M, t: Record<string, DecodedTensor>): Record<string, Tensor> {
  return Object.fromEntries(stateNames(t).map((name) => [name, m.tensor(t[name].data, t[name].shape)]));
}

function layerFor(m: M, o: DynamicFixtureOptions, cin: number): DynamicConv2d {
  return new DynamicConv2d(m, {
    inChannels: cin, outChannels: o.out_channels, kernelSize: o.kernel_size, kernels: o.K, mode: o.mode,
    stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups, bias: o.bias,
    ...(o.mode === 'softmax' ? { temperature: o.temperature, hidden: o.hidden } : {}),
  });
}

for (const backend of BACKENDS) {
  describe(`dynamicConv2d [${backend}]`, () => {
    let m: M;
    beforeAll(async () => {
      m = (await init({ backend })) as M;
    });

    describe('functional op matches PyTorch fixtures', () => {
      for (const fc of cases) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          m.scope(() => {
            const x = m.tensor(t.x.data, t.x.shape);
            const state = stateOf(m, t);
            const options = opOptions(fc.options);
            const y = m.dynamicConv2d(x, state, options);
            expect([...y.shape]).toEqual(t.y.shape);
            expectAllClose(y.data, t.y.data, VS_TORCH, `${fc.name}: y`);
            expectAllClose(m.dynamicConv2dAttention(x, state, options).data, t.pi.data, VS_TORCH, `${fc.name}: pi`);
            const g = m.dynamicConv2dBackward(x, state, m.tensor(t.dy.data, t.dy.shape), options);
            expectAllClose(g.dx.data, t.dx.data, VS_TORCH, `${fc.name}: dx`);
            expect(Object.keys(g.params).sort()).toEqual(stateNames(t).sort());
            for (const name of stateNames(t)) {
              expect([...g.params[name].shape], name).toEqual(t[name].shape);
              expectAllClose(g.params[name].data, t[`d${name}`].data, VS_TORCH, `${fc.name}: d${name}`);
            }
          });
        });
      }
    });

    describe('DynamicConv2d layer matches PyTorch fixtures', () => {
      for (const fc of cases) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const layer = layerFor(m, fc.options, t.x.shape[1]);
          try {
            const fromTorch = Object.fromEntries(stateNames(t).map((name) => [name, t[name]]));
            expect(Object.keys(layer.stateDict())).toEqual(stateNames(t));
            layer.loadStateDict(fromTorch);
            m.scope(() => {
              const x = m.tensor(t.x.data, t.x.shape);
              expectAllClose(layer.forward(x).data, t.y.data, VS_TORCH, `${fc.name}: layer y`);
              const dx = layer.backward(m.tensor(t.dy.data, t.dy.shape));
              expectAllClose(dx.data, t.dx.data, VS_TORCH, `${fc.name}: layer dx`);
              // Checked inside the scope: the gradients were created in it, so it disposes them.
              expect(Object.keys(layer.grads()).sort()).toEqual(stateNames(t).sort());
              for (const [name, g] of Object.entries(layer.grads())) {
                expectAllClose(g.data, t[`d${name}`].data, VS_TORCH, `${fc.name}: layer d${name}`);
              }
            });
            expect(layer.parameters().length).toBe(stateNames(t).length);
          } finally {
            layer.dispose();
          }
        });
      }
    });

    it('temperature is settable between steps and changes the attention', () => {
      const layer = new DynamicConv2d(m, { inChannels: 8, outChannels: 4, kernelSize: 3, padding: 1, seed: 3 });
      try {
        expect(layer.temperature).toBe(30);
        m.scope(() => {
          const x = m.tensor(Float32Array.from({ length: 2 * 8 * 5 * 5 }, (_, i) => Math.sin(i * 0.37) * 3), [2, 8, 5, 5]);
          const hot = layer.attention(x).toFloat32Array();
          layer.temperature = 0.05;
          const cold = layer.attention(x).toFloat32Array();
          const spread = (p: Float32Array) => Math.max(...p) - Math.min(...p);
          expect(spread(cold)).toBeGreaterThan(spread(hot));
          for (let n = 0; n < 2; n++) expect(cold.slice(n * 4, n * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        });
        expect(() => { layer.temperature = 0; }).toThrow(OptionError);
        expect(() => { layer.temperature = -1; }).toThrow(/temperature must be a finite number > 0/);
      } finally {
        layer.dispose();
      }
    });

    describe('invalid settings get typed errors naming the culprit', () => {
      const softmax = { mode: 'softmax' as const, temperature: 1, padding: 1 };
      function validState(mm: M, k = 2) {
        return {
          weight: mm.zeros([k, 4, 3, 3, 3]), bias: mm.zeros([k, 4]),
          'attention.fc1.weight': mm.zeros([4, 3]), 'attention.fc1.bias': mm.zeros([4]),
          'attention.fc2.weight': mm.zeros([k, 4]), 'attention.fc2.bias': mm.zeros([k]),
        };
      }

      it('K < 1', () => {
        expect(() => new DynamicConv2d(m, { inChannels: 3, outChannels: 4, kernelSize: 3, kernels: 0 })).toThrow(OptionError);
        expect(() => new DynamicConv2d(m, { inChannels: 3, outChannels: 4, kernelSize: 3, kernels: 0 })).toThrow(/kernels \(K\)/);
        m.scope(() => {
          const x = m.zeros([1, 3, 5, 5]);
          const state = { ...validState(m), weight: m.zeros([0, 4, 3, 3, 3]) };
          expect(() => m.dynamicConv2d(x, state, softmax)).toThrow(/K must be >= 1/);
        });
      });

      it('temperature <= 0 or missing', () => {
        expect(() => new DynamicConv2d(m, { inChannels: 3, outChannels: 4, kernelSize: 3, temperature: 0 })).toThrow(OptionError);
        m.scope(() => {
          const x = m.zeros([1, 3, 5, 5]);
          expect(() => m.dynamicConv2d(x, validState(m), { ...softmax, temperature: -2 })).toThrow(/temperature must be a finite number > 0, got -2/);
          expect(() => m.dynamicConv2d(x, validState(m), { mode: 'softmax', padding: 1 })).toThrow(/temperature is required/);
          expect(() => m.dynamicConv2d(x, validState(m), { ...softmax, mode: 'relu' as DynamicConvMode })).toThrow(OptionError);
        });
      });

      it('tensor shapes that disagree with the options or with each other', () => {
        m.scope(() => {
          const x = m.zeros([1, 3, 5, 5]);
          expect(() => m.dynamicConv2d(x, validState(m), { ...softmax, groups: 3 })).toThrow(ShapeError);
          expect(() => m.dynamicConv2d(x, { ...validState(m), bias: m.zeros([3, 4]) }, softmax)).toThrow(/'bias' must have shape \[2, 4\]/);
          expect(() => m.dynamicConv2d(x, { ...validState(m), 'attention.fc2.weight': m.zeros([3, 4]) }, softmax))
            .toThrow(/'attention.fc2.weight' must have shape \[2, 4\]/);
          expect(() => m.dynamicConv2d(x, { ...validState(m), weight: m.zeros([2, 4, 3, 3]) }, softmax)).toThrow(/5 dimensions/);
          expect(() => m.dynamicConv2d(m.zeros([1, 5, 5, 5]), validState(m), softmax)).toThrow(ShapeError);
          const y = m.dynamicConv2d(x, validState(m), softmax);
          expect(() => m.dynamicConv2dBackward(x, validState(m), m.zeros([1, 4, 4, 5]), softmax)).toThrow(/dy must have the output's shape \[1, 4, 5, 5\]/);
          expect(y.shape).toEqual([1, 4, 5, 5]);
        });
      });

      it('state tensors missing or belonging to the other mode', () => {
        m.scope(() => {
          const x = m.zeros([1, 3, 5, 5]);
          const { 'attention.fc1.bias': _, ...missing } = validState(m);
          expect(() => m.dynamicConv2d(x, missing, softmax)).toThrow(StateDictError);
          expect(() => m.dynamicConv2d(x, missing, softmax)).toThrow(/'attention.fc1.bias'/);
          const mixed = { ...validState(m), 'routing.weight': m.zeros([2, 3]) };
          expect(() => m.dynamicConv2d(x, mixed, softmax)).toThrow(/unexpected tensor 'routing.weight'/);
          expect(() => m.dynamicConv2d(x, validState(m), { mode: 'sigmoid', padding: 1 })).toThrow(StateDictError);
        });
      });

      it('loadStateDict with a wrong shape names the tensor', () => {
        const layer = new DynamicConv2d(m, { inChannels: 3, outChannels: 4, kernelSize: 3, kernels: 2, mode: 'sigmoid' });
        try {
          const sd = layer.stateDict();
          expect(Object.keys(sd)).toEqual(['weight', 'bias', 'routing.weight', 'routing.bias']);
          expect(sd.weight.shape).toEqual([2, 4, 3, 3, 3]);
          expect(() => layer.loadStateDict({ ...sd, 'routing.bias': { shape: [3], data: new Float32Array(3) } }))
            .toThrow(/routing\.bias: expected shape \[2\], got \[3\]/);
          expect(() => { layer.temperature = 2; }).toThrow(OptionError);
        } finally {
          layer.dispose();
        }
      });
    });
  });
}
