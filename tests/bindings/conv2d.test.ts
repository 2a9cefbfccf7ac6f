/**
 * conv2d through the public API on every backend: PyTorch fixtures (forward y, dx, dw, db),
 * finite-difference checks of the gradients, agreement of the three backends on random shapes,
 * the `needs` option and padding 'same'.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import conv2dJson from '../fixtures/conv2d.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type Conv2dFixtureOptions } from '../fixtures/decode';
import { init, type Backend, type Conv2dGeometry } from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import {
  dot, expectAllClose, expectDirectionalDerivative, product, randomArray, randomInt, seededRandom, type Tolerance,
  expectXWBClose, expectXWBDerivatives,
} from '../harness/numeric';

const cases = asFixtureFile<Conv2dFixtureOptions>(conv2dJson).cases;

/**
 * Against PyTorch: the fixtures record PyTorch's own float32-vs-float64 error, at most ~5e-7 of the
 * tensor's max (dweight, dilation 2). Our float32 result sums in a different order, so allow 60× that
 * (3e-5 relative to max|ref|): far below what a wrong index or a missing term produces (≥ 1e-2).
 */
const VS_TORCH: Tolerance = { rtol: 3e-5, atol: 1e-6 };
/** Between backends: two float32 results with different summation orders, same bound. */
const VS_JS: Tolerance = { rtol: 3e-5, atol: 1e-6 };

interface Conv2dCase {
  x: number[];
  w: number[];
  bias: boolean;
  geometry: Conv2dGeometry;
}

type Pair = [number, number];
interface RandomCase extends Conv2dCase {
  geometry: { stride: Pair; padding: Pair; dilation: Pair; groups: number };
}

/** Output extent along one axis, as torch.nn.functional.conv2d computes it. */
const outSize = (input: number, kernel: number, stride: number, padding: number, dilation: number): number =>
  Math.floor((input + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;

function outputShape(c: RandomCase): number[] {
  const { stride, padding, dilation } = c.geometry;
  return [c.x[0], c.w[0],
    outSize(c.x[2], c.w[2], stride[0], padding[0], dilation[0]),
    outSize(c.x[3], c.w[3], stride[1], padding[1], dilation[1])];
}

/** A random valid conv2d: any stride/padding/dilation/groups whose output is at least 1×1. */
function randomCase(rand: () => number): RandomCase {
  for (;;) {
    const groups = [1, 1, 2, 3][randomInt(rand, 0, 3)];
    const c = groups * randomInt(rand, 1, 4);
    const k = groups * randomInt(rand, 1, 3);
    const candidate: RandomCase = {
      x: [randomInt(rand, 1, 2), c, randomInt(rand, 1, 12), randomInt(rand, 1, 12)],
      w: [k, c / groups, randomInt(rand, 1, 5), randomInt(rand, 1, 4)],
      bias: rand() > -0.5,
      geometry: {
        stride: [randomInt(rand, 1, 3), randomInt(rand, 1, 2)],
        padding: [randomInt(rand, 0, 2), randomInt(rand, 0, 2)],
        dilation: [randomInt(rand, 1, 2), randomInt(rand, 1, 2)],
        groups,
      },
    };
    const [, , oh, ow] = outputShape(candidate);
    if (oh >= 1 && ow >= 1) return candidate;
  }
}

const describeCase = (c: Conv2dCase): string =>
  `x [${c.x}] w [${c.w}] ${JSON.stringify(c.geometry)}${c.bias ? ' +bias' : ''}`;

/** Forward + all gradients of one case on one backend, as plain arrays (tensors are disposed). */
function runConv(m: Backend, c: Conv2dCase, data: { x: Float32Array; w: Float32Array; b: Float32Array; dy: Float32Array }) {
  return m.scope(() => {
    const x = m.tensor(data.x, c.x);
    const w = m.tensor(data.w, c.w);
    const b = c.bias ? m.tensor(data.b, [c.w[0]]) : undefined;
    const y = m.conv2d(x, w, { ...c.geometry, bias: b });
    const dy = m.tensor(data.dy, y.shape);
    const g = m.conv2dBackward(x, w, dy, { ...c.geometry, bias: c.bias });
    return {
      shape: [...y.shape], y: y.toFloat32Array(),
      dx: g.dx?.toFloat32Array(), dw: g.dw?.toFloat32Array(), db: g.db?.toFloat32Array(),
    };
  });
}

function randomData(c: RandomCase, rand: () => number) {
  return {
    x: randomArray(product(c.x), rand),
    w: randomArray(product(c.w), rand),
    b: randomArray(c.w[0], rand),
    dy: randomArray(product(outputShape(c)), rand),
  };
}

for (const backend of BACKENDS) {
  describe(`conv2d [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
      expect(m.info().backend).toBe(backend);
    });

    describe('matches PyTorch fixtures', () => {
      for (const fc of cases) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const { bias, ...geometry } = fc.options as Conv2dFixtureOptions & Conv2dGeometry;
          const c: Conv2dCase = { x: t.x.shape, w: t.weight.shape, bias, geometry };
          const got = runConv(m, c, { x: t.x.data, w: t.weight.data, b: bias ? t.bias.data : new Float32Array(0), dy: t.dy.data });
          expect(got.shape).toEqual(t.y.shape);
          expectAllClose(got.y, t.y.data, VS_TORCH, `${fc.name}: y`);
          expectAllClose(got.dx!, t.dx.data, VS_TORCH, `${fc.name}: dx`);
          expectAllClose(got.dw!, t.dweight.data, VS_TORCH, `${fc.name}: dw`);
          if (bias) expectAllClose(got.db!, t.dbias.data, VS_TORCH, `${fc.name}: db`);
          else expect(got.db).toBeUndefined();
        });
      }
    });

    it('gradients agree with central finite differences of Σ y·g', () => {
      const rand = seededRandom(1234);
      for (let trial = 0; trial < 4; trial++) {
        const c = randomCase(rand);
        const d = randomData(c, rand);
        const g = d.dy; // the loss is Σ y·g, so dL/dy = g
        const grads = runConv(m, c, d);
        const lossAt = (x: Float32Array, w: Float32Array, b: Float32Array) =>
          dot(runConv(m, c, { x, w, b, dy: g }).y, g);
        const label = `${backend} ${describeCase(c)}`;
        expectXWBDerivatives(lossAt, d, grads, c.bias, rand, label);
        // The check is meaningful: the same gradient 5% off, or with its elements reversed, fails it.
        const scaled = grads.dx!.map((v) => v * 1.05);
        const reversed = grads.dw!.slice().reverse();
        expect(() => expectDirectionalDerivative((x) => lossAt(x, d.w, d.b), d.x, scaled, rand, 'wrong dx')).toThrow();
        expect(() => expectDirectionalDerivative((w) => lossAt(d.x, w, d.b), d.w, reversed, rand, 'wrong dw')).toThrow();
      }
    });

    if (backend !== 'js') {
      it('agrees with the js reference on random shapes', async () => {
        const js = await init({ backend: 'js' });
        const rand = seededRandom(99);
        for (let trial = 0; trial < 12; trial++) {
          const c = randomCase(rand);
          const d = randomData(c, rand);
          const got = runConv(m, c, d);
          const want = runConv(js, c, d);
          const label = `${backend} vs js, ${describeCase(c)}`;
          expect(got.shape, label).toEqual(want.shape);
          expectXWBClose(got, want, c.bias, VS_JS, label);
        }
      });
    }

    it('needs: computes exactly the requested gradients, with the same values', () => {
      const rand = seededRandom(7);
      const geometry = { padding: 1, stride: 1 };
      m.scope(() => {
        const x = m.tensor(randomArray(2 * 3 * 5 * 5, rand), [2, 3, 5, 5]);
        const w = m.tensor(randomArray(4 * 3 * 3 * 3, rand), [4, 3, 3, 3]);
        const dy = m.tensor(randomArray(2 * 4 * 5 * 5, rand), [2, 4, 5, 5]);
        const all = m.conv2dBackward(x, w, dy, { ...geometry, bias: true });
        expect(all.dx?.shape).toEqual([2, 3, 5, 5]);
        expect(all.dw?.shape).toEqual([4, 3, 3, 3]);
        expect(all.db?.shape).toEqual([4]);

        const noBias = m.conv2dBackward(x, w, dy, geometry);
        expect(noBias.db).toBeUndefined();

        const onlyDx = m.conv2dBackward(x, w, dy, { ...geometry, bias: true, needs: { dw: false, db: false } });
        expect(onlyDx.dw).toBeUndefined();
        expect(onlyDx.db).toBeUndefined();
        expect(onlyDx.dx!.toFloat32Array()).toEqual(all.dx!.toFloat32Array());

        const onlyDw = m.conv2dBackward(x, w, dy, { ...geometry, needs: { dx: false } });
        expect(onlyDw.dx).toBeUndefined();
        expect(onlyDw.db).toBeUndefined();
        expect(onlyDw.dw!.toFloat32Array()).toEqual(all.dw!.toFloat32Array());

        const onlyDb = m.conv2dBackward(x, w, dy, { ...geometry, needs: { dx: false, dw: false, db: true } });
        expect(onlyDb.dx).toBeUndefined();
        expect(onlyDb.dw).toBeUndefined();
        expect(onlyDb.db!.toFloat32Array()).toEqual(all.db!.toFloat32Array());
      });
    });

    // Depthwise backward runs dx, dW and db in one kernel call (depthwiseConv2dBackward) on the
    // wasm backends: every plane kernel (3×3 / 5×5, stride 1 / 2, padding 0–2, the generic taps),
    // multiplier > 1, batch > 1, odd sizes; each `needs` subset gives the full call's bits.
    it('depthwise backward (dx, dW, db in one pass): plane kernels vs js, needs subsets bit for bit', async () => {
      const js = await init({ backend: 'js' });
      const rand = seededRandom(31);
      const shapes: Array<[number[], number[], RandomCase['geometry']]> = [
        [[2, 6, 14, 14], [6, 1, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 6 }],
        [[3, 4, 13, 11], [8, 1, 3, 3], { stride: [1, 1], padding: [0, 1], dilation: [1, 1], groups: 4 }],
        [[2, 5, 15, 17], [5, 1, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 5 }],
        [[2, 3, 11, 13], [9, 1, 3, 3], { stride: [2, 2], padding: [2, 1], dilation: [1, 1], groups: 3 }],
        [[2, 4, 12, 12], [4, 1, 5, 5], { stride: [1, 1], padding: [2, 2], dilation: [1, 1], groups: 4 }],
        [[4, 3, 9, 11], [6, 1, 5, 5], { stride: [1, 1], padding: [1, 2], dilation: [1, 1], groups: 3 }],
        [[2, 4, 15, 13], [4, 1, 5, 5], { stride: [2, 2], padding: [2, 2], dilation: [1, 1], groups: 4 }],
        [[2, 3, 10, 9], [6, 1, 3, 3], { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 3 }],
        [[3, 3, 10, 9], [3, 1, 3, 2], { stride: [3, 2], padding: [0, 1], dilation: [1, 1], groups: 3 }],
      ];
      for (const [xs, ws, geometry] of shapes) {
        const c: RandomCase = { x: xs, w: ws, bias: true, geometry };
        const d = randomData(c, rand);
        const label = `${backend} depthwise ${describeCase(c)}`;
        const got = runConv(m, c, d);
        expectXWBClose(got, runConv(js, c, d), true, VS_JS, label);
        m.scope(() => {
          const x = m.tensor(d.x, c.x);
          const w = m.tensor(d.w, c.w);
          const dy = m.tensor(d.dy, outputShape(c));
          const subsets = [{ dx: true, dw: false, db: false }, { dx: false, dw: true, db: false },
            { dx: false, dw: false, db: true }, { dx: false, dw: true, db: true }, { dx: true, dw: false, db: true }];
          for (const needs of subsets) {
            const g = m.conv2dBackward(x, w, dy, { ...geometry, needs });
            for (const key of ['dx', 'dw', 'db'] as const) {
              if (needs[key]) expect(g[key]!.toFloat32Array(), `${label} ${JSON.stringify(needs)} ${key}`).toEqual(got[key]);
              else expect(g[key]).toBeUndefined();
            }
          }
        });
      }
    });

    it("padding 'same' keeps H×W and equals the explicit symmetric padding", () => {
      const rand = seededRandom(11);
      const shapes: Array<[number, number, number]> = [[3, 3, 1], [5, 3, 1], [3, 5, 2], [1, 1, 3]];
      m.scope(() => {
        for (const [kh, kw, dilation] of shapes) {
          const x = m.tensor(randomArray(2 * 9 * 10, rand), [1, 2, 9, 10]);
          const w = m.tensor(randomArray(3 * 2 * kh * kw, rand), [3, 2, kh, kw]);
          const same = m.conv2d(x, w, { padding: 'same', dilation });
          const explicit = m.conv2d(x, w, { padding: [dilation * (kh - 1) / 2, dilation * (kw - 1) / 2], dilation });
          expect(same.shape).toEqual([1, 3, 9, 10]);
          expect(same.toFloat32Array()).toEqual(explicit.toFloat32Array());
          const valid = m.conv2d(x, w, { padding: 'valid', dilation });
          expect(valid.shape).toEqual([1, 3, 9 - dilation * (kh - 1), 10 - dilation * (kw - 1)]);
        }
      });
    });
  });
}
