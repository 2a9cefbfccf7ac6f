/**
 * Issue 13, defect 1: stride / padding / dilation up to 2^31 − 1 with a small output. The wasm
 * kernels index in i32, so such axes run on an exactly equivalent gathered input
 * (bindings/ops/conv2d_geometry.ts). Checked against PyTorch (tests/fixtures/conv2d_extreme.json),
 * against the hand-computed reproduction, and for the corruption itself: a tensor allocated
 * just before must keep its values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import extremeJson from '../fixtures/conv2d_extreme.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type Conv2dFixtureOptions } from '../fixtures/decode';
import { init, type Backend, type Conv2dGeometry } from '../../bindings/index';
import { planConv2dGather } from '../../bindings/ops/conv2d_geometry';
import { resolveConv2d } from '../../bindings/ops/conv2d_options';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, product, randomArray, seededRandom, type Tolerance } from '../harness/numeric';
import { DCDConv2d } from '../../bindings/nn/dcd';
import { dcdTensorSpecs, resolveDcdConfig } from '../../bindings/ops/dcd';

const cases = asFixtureFile<Conv2dFixtureOptions>(extremeJson).cases;
const VS_TORCH: Tolerance = { rtol: 3e-5, atol: 1e-6 };
const BIG = 2 ** 31 - 1;
const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

describe('conv2d geometry rewrite (ops/conv2d_geometry.ts)', () => {
  it('leaves every ordinary geometry alone', () => {
    expect(planConv2dGather('t', resolveConv2d('t', [1, 3, 224, 224], [8, 3, 7, 7], { stride: 2, padding: 3 }))).toBeNull();
    expect(planConv2dGather('t', resolveConv2d('t', [1, 1, 8, 8], [1, 1, 3, 3], { padding: 2 ** 20, stride: 2 ** 20 }))).toBeNull();
  });

  it('rewrites only the extreme axis, with small stride/padding/dilation', () => {
    const p = resolveConv2d('t', [1, 1, 6, 1], [2, 1, 4, 3], { stride: [3, BIG], padding: [1, 2] });
    const g = planConv2dGather('t', p)!;
    expect(g.rows).toBeNull();
    expect(g.params).toMatchObject({ h: 6, w: 3, sh: 3, ph: 1, sw: 3, pw: 0, dw: 1 });
    expect([...g.cols!]).toEqual([-1, -1, 0]);
  });
});

for (const backend of BACKENDS) {
  describe(`conv2d extreme geometry [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    for (const fc of cases) {
      it(`matches PyTorch: ${fc.name}`, () => {
        const t = decodeTensors(fc);
        const { bias, ...geometry } = fc.options as Conv2dFixtureOptions & Conv2dGeometry;
        const got = m.scope(() => {
          const x = m.tensor(t.x.data, t.x.shape);
          const w = m.tensor(t.weight.data, t.weight.shape);
          const b = bias ? m.tensor(t.bias.data, t.bias.shape) : undefined;
          const y = m.conv2d(x, w, { ...geometry, bias: b });
          const dy = m.tensor(t.dy.data, t.dy.shape);
          const g = m.conv2dBackward(x, w, dy, { ...geometry, bias });
          return { shape: [...y.shape], y: y.toFloat32Array(), dx: g.dx!.toFloat32Array(), dw: g.dw!.toFloat32Array(), db: g.db?.toFloat32Array() };
        });
        expect(got.shape).toEqual(t.y.shape);
        expectAllClose(got.y, t.y.data, VS_TORCH, `${fc.name}: y`);
        expectAllClose(got.dx, t.dx.data, VS_TORCH, `${fc.name}: dx`);
        expectAllClose(got.dw, t.dweight.data, VS_TORCH, `${fc.name}: dw`);
        if (bias) expectAllClose(got.db!, t.dbias.data, VS_TORCH, `${fc.name}: db`);
      });
    }

    it('the issue reproduction: dx is [2,2,4,2,2,2] and the tensor allocated before keeps its values', () => {
      m.scope(() => {
        const neighbour = m.tensor([7, 7, 7, 7, 7, 7, 7, 7], [8]);
        const x = m.tensor(ones(6), [1, 1, 6, 1]);
        const w = m.tensor(ones(24), [2, 1, 4, 3]);
        const geometry = { stride: [3, BIG] as [number, number], padding: [1, 2] as [number, number] };
        const y = m.conv2d(x, w, geometry);
        const dy = m.tensor(ones(y.size), y.shape);
        const { dx } = m.conv2dBackward(x, w, dy, geometry);
        expect([...dx!.data]).toEqual([2, 2, 4, 2, 2, 2]);
        expect([...neighbour.data]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
      });
    });

    it('stride 2^28 on an 8x8 3x3 conv and depthwise padding 2^30 stride 2^31-1 (dW = 0) do not trap', () => {
      m.scope(() => {
        const x = m.tensor(ones(64), [1, 1, 8, 8]);
        const w = m.tensor(ones(9), [1, 1, 3, 3]);
        expect([...m.conv2d(x, w, { stride: 2 ** 28 }).data]).toEqual([9]);
        const xd = m.tensor(ones(2 * 16), [1, 2, 4, 4]);
        const wd = m.tensor(ones(2 * 9), [2, 1, 3, 3]);
        const geometry = { padding: 2 ** 30, stride: BIG, groups: 2 };
        const y = m.conv2d(xd, wd, geometry);
        const g = m.conv2dBackward(xd, wd, m.tensor(ones(y.size), y.shape), geometry);
        expect([...g.dw!.data].every((v) => v === 0)).toBe(true);
        expect([...g.dx!.data].every((v) => v === 0)).toBe(true);
      });
    });
  });
}

/** The same call on `m` and on the js reference (exact index arithmetic in doubles), as arrays. */
function dynamicRun(m: Backend, geometry: Conv2dGeometry, seed: number) {
  const rand = seededRandom(seed);
  const shapes: Record<string, number[]> = {
    weight: [2, 3, 2, 3, 3], bias: [2, 3],
    'attention.fc1.weight': [4, 2], 'attention.fc1.bias': [4], 'attention.fc2.weight': [2, 4], 'attention.fc2.bias': [2],
  };
  return m.scope(() => {
    const state = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, m.tensor(randomArray(product(s), rand), s)]));
    const x = m.tensor(randomArray(2 * 2 * 5 * 4, rand), [2, 2, 5, 4]);
    const options = { ...geometry, temperature: 3 };
    const y = m.dynamicConv2d(x, state, options);
    const dy = m.tensor(randomArray(y.size, rand), y.shape);
    const g = m.dynamicConv2dBackward(x, state, dy, options);
    return { y: y.toFloat32Array(), dx: g.dx.toFloat32Array(), dw: g.params.weight.toFloat32Array(), dfc1: g.params['attention.fc1.weight'].toFloat32Array() };
  });
}

function dcdRun(m: Backend, stride: number, seed: number) {
  const rand = seededRandom(seed);
  const layer = new DCDConv2d(m, { inChannels: 4, outChannels: 3, kernelSize: 3, stride, padding: 1 });
  for (const [name, t] of layer.namedParameters()) {
    t.data.set(randomArray(t.size, rand).map((v) => (name.startsWith('bn') ? 1 + 0.1 * v : v)));
  }
  const out = m.scope(() => {
    const x = m.tensor(randomArray(2 * 4 * 5 * 6, rand), [2, 4, 5, 6]);
    const y = layer.forward(x);
    const dy = m.tensor(randomArray(y.size, rand), y.shape);
    const dx = layer.backward(dy);
    return { shape: [...y.shape], y: y.toFloat32Array(), dx: dx.toFloat32Array(), dw: layer.grad('conv.weight')!.toFloat32Array() };
  });
  layer.dispose();
  return out;
}

describe('dynamic conv and DCD with extreme stride / padding / dilation agree with the js reference', () => {
  const VS_JS: Tolerance = { rtol: 1e-4, atol: 1e-6 };
  let js: Backend;
  beforeAll(async () => {
    js = await init({ backend: 'js' });
  });
  for (const backend of BACKENDS.filter((b) => b !== 'js')) {
    it(`dynamicConv2d [${backend}]`, async () => {
      const m = await init({ backend });
      for (const [i, geometry] of ([
        { stride: [BIG, 1], padding: [1, 0] },
        { dilation: [1, BIG], padding: [0, BIG], stride: [2, 1] },
        { stride: [2 ** 28, 2 ** 29], padding: 2 ** 28 },
      ] as Conv2dGeometry[]).entries()) {
        const got = dynamicRun(m, geometry, 100 + i), want = dynamicRun(js, geometry, 100 + i);
        for (const key of ['y', 'dx', 'dw', 'dfc1'] as const) {
          expectAllClose(got[key], want[key], VS_JS, `${backend} ${JSON.stringify(geometry)} ${key}`);
        }
      }
    });

    it(`dcdForward inference (both eval strategies) with stride 2^31-1 [${backend}]`, async () => {
      const m = await init({ backend });
      const d = resolveDcdConfig({ kind: 'conv_dy', inChannels: 9, outChannels: 5, kernelSize: 3, padding: 1, stride: BIG });
      const run = (mm: Backend, evalStrategy: 'weights' | 'composed') => mm.scope(() => {
        const rand = seededRandom(31);
        const state = Object.fromEntries(dcdTensorSpecs(d).map((spec) => [spec.name, mm.tensor(
          randomArray(product(spec.shape), rand).map((v) => (spec.name.endsWith('running_var') ? 1 + 0.5 * v : 0.4 * v)), spec.shape)]));
        const x = mm.tensor(randomArray(2 * 9 * 4 * 7, rand), [2, 9, 4, 7]);
        return mm.dcdForward(d, state, x, { training: false, needsBackward: false, evalStrategy }).y.toFloat32Array();
      });
      for (const strategy of ['weights', 'composed'] as const) {
        expectAllClose(run(m, strategy), run(js, strategy), VS_JS, `${backend} ${strategy}`);
      }
    });

    it(`DCDConv2d stride 2^31-1 and 2^20 [${backend}]`, async () => {
      const m = await init({ backend });
      for (const stride of [BIG, 2 ** 20, 3]) {
        const got = dcdRun(m, stride, 7), want = dcdRun(js, stride, 7);
        expect(got.shape).toEqual(want.shape);
        for (const key of ['y', 'dx', 'dw'] as const) expectAllClose(got[key], want[key], VS_JS, `${backend} stride ${stride} ${key}`);
      }
    });
  }
});
