/**
 * Dynamic convolution (DY-Conv softmax attention, CondConv sigmoid routing) on every backend: the
 * functional op and the DynamicConv2d layer against PyTorch fixtures (y, π and every gradient), the
 * layer's state dict and temperature, and the typed errors for invalid settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dynamicJson from '../fixtures/dynamic_conv.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type DecodedTensor } from '../fixtures/decode';
import { init, type Backend } from '../../bindings/index';
import { relaxedSimdSupported } from '../../bindings/runtime/features';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';
import { OptionError, ShapeError, StateDictError } from '../../bindings/errors';
import type { DynamicConv2dOps, DynamicConv2dOptions, DynamicConvMode } from '../../bindings/ops/dynamic_conv2d';
import { DynamicConv2d } from '../../bindings/nn/dynamic_conv2d';
import type { Tensor } from '../../bindings/tensor';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, maxAbsDiff, randomArray, seededRandom, type Tolerance } from '../harness/numeric';

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

// init({ threads: 2 }): the samples are split across the threads (assembly/dynamic/conv_part.ts), and
// the attention's pool over x and its share of ∂x by planes (threadMinFlops 0: every case below).
// y, π, dx and the attention gradients are per sample, so bit-identical to one thread; ∂W_k and ∂b_k
// sum over the batch grouped by part, so equal up to float32 rounding (and still within PyTorch's bound).
const threadsUnavailable = threadsUnavailableReason();
const THREADED = relaxedSimdSupported() ? ['wasm-simd', 'wasm-relaxed-simd'] as const : ['wasm-simd'] as const;
/** Regrouping a sum of ≤ 64 float32 terms: a few ulps of the largest partial sum. */
const VS_ONE_THREAD: Tolerance = { rtol: 2e-6, atol: 1e-7 };
const BATCH_SUMMED = new Set(['weight', 'bias']);

interface DynamicRun { y: Float32Array; pi: Float32Array; dx: Float32Array; grads: Record<string, Float32Array> }

function runDynamic(m: M, x: DecodedTensor, state: Record<string, DecodedTensor>, dy: DecodedTensor, options: DynamicConv2dOptions): DynamicRun {
  return m.scope(() => {
    const xt = m.tensor(x.data, x.shape);
    const st = Object.fromEntries(Object.entries(state).map(([name, t]) => [name, m.tensor(t.data, t.shape)]));
    const y = m.dynamicConv2d(xt, st, options).toFloat32Array();
    const pi = m.dynamicConv2dAttention(xt, st, options).toFloat32Array();
    const g = m.dynamicConv2dBackward(xt, st, m.tensor(dy.data, dy.shape), options);
    const grads = Object.fromEntries(Object.entries(g.params).map(([name, t]) => [name, t.toFloat32Array()]));
    return { y, pi, dx: g.dx.toFloat32Array(), grads };
  });
}

function expectThreadedMatches(two: DynamicRun, one: DynamicRun, label: string): void {
  for (const key of ['y', 'pi', 'dx'] as const) {
    expect(maxAbsDiff(two[key], one[key]), `${label}: ${key} differs from 1 thread`).toBe(0);
  }
  expect(Object.keys(two.grads).sort()).toEqual(Object.keys(one.grads).sort());
  for (const [name, g] of Object.entries(one.grads)) {
    if (BATCH_SUMMED.has(name)) expectAllClose(two.grads[name], g, VS_ONE_THREAD, `${label}: d${name} vs 1 thread`);
    else expect(maxAbsDiff(two.grads[name], g), `${label}: d${name} differs from 1 thread`).toBe(0);
  }
}

/** A DY-Conv layer's tensors with random values (softmax attention, hidden 4). */
function randomDynamic(rand: () => number, n: number, cin: number, cout: number, k: number, hw: number, K: number, bias: boolean) {
  const t = (shape: number[]): DecodedTensor => ({ shape, data: randomArray(shape.reduce((a, b) => a * b, 1), rand) });
  const state: Record<string, DecodedTensor> = {
    weight: t([K, cout, cin, k, k]),
    ...(bias ? { bias: t([K, cout]) } : {}),
    'attention.fc1.weight': t([4, cin]), 'attention.fc1.bias': t([4]),
    'attention.fc2.weight': t([K, 4]), 'attention.fc2.bias': t([K]),
  };
  return { x: t([n, cin, hw, hw]), state, options: { mode: 'softmax', padding: (k - 1) / 2, temperature: 2 } as DynamicConv2dOptions };
}

for (const build of THREADED) {
  const name = threadsUnavailable
    ? `dynamicConv2d with threads [${build}]: skipped (${threadsUnavailable})`
    : `dynamicConv2d with init({ threads: 2 }) [${build}]: 2 threads vs 1 thread`;
  describe.skipIf(threadsUnavailable)(name, () => {
    let two: M, one: M;
    beforeAll(async () => {
      // threadMinFlops 0: even the tiny fixtures are split across the threads
      two = (await init({ backend: build, threads: 2, threadMinFlops: 0, debug: { poison: true } })) as M;
      one = (await init({ backend: build })) as M;
    });

    it('every PyTorch fixture: y, π, dx, attention gradients bit-identical; ∂W_k, ∂b_k to rounding and vs PyTorch', () => {
      expect(two.info().threads).toBe(2);
      for (const fc of cases) {
        const t = decodeTensors(fc);
        const state = Object.fromEntries(stateNames(t).map((n) => [n, t[n]]));
        const options = opOptions(fc.options);
        const threaded = runDynamic(two, t.x, state, t.dy, options);
        expectThreadedMatches(threaded, runDynamic(one, t.x, state, t.dy, options), fc.name);
        for (const n of stateNames(t)) expectAllClose(threaded.grads[n], t[`d${n}`].data, VS_TORCH, `${fc.name}: threaded d${n} vs PyTorch`);
      }
    });

    // Batch sizes around the part counts (forward: up to 8 parts, backward: up to 4, i.e. up to 3
    // partial gradients): fewer samples than parts, uneven splits, several aggregation passes per part.
    it('random layers, batch 1–19, with and without bias, 1×1 and 3×3', () => {
      const rand = seededRandom(41);
      for (const [n, cin, cout, k, hw, K, bias] of [
        [1, 8, 12, 3, 6, 4, true], [2, 6, 10, 3, 7, 4, false], [3, 16, 8, 1, 5, 3, true],
        [5, 12, 20, 3, 8, 4, true], [9, 8, 16, 3, 6, 2, true], [19, 10, 14, 3, 5, 4, false],
      ] as [number, number, number, number, number, number, boolean][]) {
        const { x, state, options } = randomDynamic(rand, n, cin, cout, k, hw, K, bias);
        const dy: DecodedTensor = { shape: [n, cout, hw, hw], data: randomArray(n * cout * hw * hw, rand) };
        const label = `batch ${n} ${cin}→${cout} ${k}×${k} K ${K}${bias ? '' : ' no bias'}`;
        expectThreadedMatches(runDynamic(two, x, state, dy, options), runDynamic(one, x, state, dy, options), label);
      }
    });

    // A stride beyond what the kernels index: the conv runs on a gathered input (ops/conv2d_geometry.ts)
    it('extreme stride (gathered input), batch 6', () => {
      const rand = seededRandom(43);
      const { x, state, options } = randomDynamic(rand, 6, 8, 12, 3, 7, 4, true);
      const extreme = { ...options, stride: [2 ** 31 - 1, 1] } as DynamicConv2dOptions;
      const dy: DecodedTensor = { shape: [6, 12, 1, 7], data: randomArray(6 * 12 * 7, rand) };
      expectThreadedMatches(runDynamic(two, x, state, dy, extreme), runDynamic(one, x, state, dy, extreme), 'extreme stride');
    });

    it('the default threshold splits a SmallCnn-sized layer and gives the same results', async () => {
      const m = (await init({ backend: build, threads: 2 })) as M;
      try {
        const { x, state, options } = randomDynamic(seededRandom(8), 16, 32, 32, 3, 14, 4, true);
        const dy: DecodedTensor = { shape: [16, 32, 14, 14], data: randomArray(16 * 32 * 14 * 14, seededRandom(9)) };
        expectThreadedMatches(runDynamic(m, x, state, dy, options), runDynamic(one, x, state, dy, options), 'default threshold');
      } finally {
        m.dispose();
      }
    });

    it('after dispose() the threaded backend runs on one thread with the one-thread results', async () => {
      const m = (await init({ backend: build, threads: 2, threadMinFlops: 0, debug: { poison: true } })) as M;
      m.dispose();
      const { x, state, options } = randomDynamic(seededRandom(12), 5, 8, 8, 3, 6, 4, true);
      const dy: DecodedTensor = { shape: [5, 8, 6, 6], data: randomArray(5 * 8 * 36, seededRandom(13)) };
      const a = runDynamic(m, x, state, dy, options), b = runDynamic(one, x, state, dy, options);
      for (const key of ['y', 'dx'] as const) expect(maxAbsDiff(a[key], b[key]), key).toBe(0);
      for (const [n, g] of Object.entries(b.grads)) expect(maxAbsDiff(a.grads[n], g), `d${n}`).toBe(0);
    });

    afterAll(() => two?.dispose());
  });
}
