/**
 * linear through the public API on every backend: PyTorch fixtures (y, dx, dw, db), finite
 * differences, agreement of the three backends on random shapes, the `needs` option.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import linearJson from '../fixtures/linear.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type LinearFixtureOptions } from '../fixtures/decode';
import { init, type Backend } from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import {
  dot, expectAllClose, expectDirectionalDerivative, randomArray, randomInt, seededRandom, type Tolerance,
  expectXWBClose, expectXWBDerivatives,
} from '../harness/numeric';

const cases = asFixtureFile<LinearFixtureOptions>(linearJson).cases;

/**
 * The fixtures record PyTorch's float32 error vs float64 at most ~2.2e-7 of max|ref|; our float32
 * sums run in another order, so allow ~100× that. A wrong index or a dropped term is ≥ 1e-2.
 */
const VS_TORCH: Tolerance = { rtol: 3e-5, atol: 1e-6 };
const VS_JS: Tolerance = { rtol: 3e-5, atol: 1e-6 };

interface LinearCase { n: number; in: number; out: number; bias: boolean }
interface LinearData { x: Float32Array; w: Float32Array; b: Float32Array; dy: Float32Array }

function runLinear(m: Backend, c: LinearCase, d: LinearData) {
  return m.scope(() => {
    const x = m.tensor(d.x, [c.n, c.in]);
    const w = m.tensor(d.w, [c.out, c.in]);
    const b = c.bias ? m.tensor(d.b, [c.out]) : undefined;
    const y = m.linear(x, w, b);
    const dy = m.tensor(d.dy, [c.n, c.out]);
    const g = m.linearBackward(x, w, dy, { bias: c.bias });
    return {
      shape: [...y.shape], y: y.toFloat32Array(),
      dx: g.dx?.toFloat32Array(), dw: g.dw?.toFloat32Array(), db: g.db?.toFloat32Array(),
    };
  });
}

function randomCase(rand: () => number): LinearCase {
  return { n: randomInt(rand, 1, 6), in: randomInt(rand, 1, 70), out: randomInt(rand, 1, 40), bias: rand() > -0.5 };
}

function randomData(c: LinearCase, rand: () => number): LinearData {
  return {
    x: randomArray(c.n * c.in, rand), w: randomArray(c.out * c.in, rand),
    b: randomArray(c.out, rand), dy: randomArray(c.n * c.out, rand),
  };
}

const describeCase = (c: LinearCase): string => `N=${c.n} IN=${c.in} OUT=${c.out}${c.bias ? ' +bias' : ''}`;

for (const backend of BACKENDS) {
  describe(`linear [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
      expect(m.info().backend).toBe(backend);
    });

    describe('matches PyTorch fixtures', () => {
      for (const fc of cases) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const { bias } = fc.options;
          const c: LinearCase = { n: t.x.shape[0], in: t.x.shape[1], out: t.weight.shape[0], bias };
          const got = runLinear(m, c, { x: t.x.data, w: t.weight.data, b: bias ? t.bias.data : new Float32Array(0), dy: t.dy.data });
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
      const rand = seededRandom(4321);
      for (let trial = 0; trial < 4; trial++) {
        const c = randomCase(rand);
        const d = randomData(c, rand);
        const grads = runLinear(m, c, d);
        const lossAt = (x: Float32Array, w: Float32Array, b: Float32Array) => dot(runLinear(m, c, { ...d, x, w, b }).y, d.dy);
        const label = `${backend} ${describeCase(c)}`;
        expectXWBDerivatives(lossAt, d, grads, c.bias, rand, label);
        // The check is meaningful: a gradient 5% off fails it.
        const scaled = grads.dw!.map((v) => v * 1.05);
        expect(() => expectDirectionalDerivative((w) => lossAt(d.x, w, d.b), d.w, scaled, rand, 'wrong dw')).toThrow();
      }
    });

    if (backend !== 'js') {
      it('agrees with the js reference on random shapes', async () => {
        const js = await init({ backend: 'js' });
        const rand = seededRandom(77);
        for (let trial = 0; trial < 12; trial++) {
          const c = randomCase(rand);
          const d = randomData(c, rand);
          const got = runLinear(m, c, d);
          const want = runLinear(js, c, d);
          const label = `${backend} vs js, ${describeCase(c)}`;
          expect(got.shape, label).toEqual(want.shape);
          expectXWBClose(got, want, c.bias, VS_JS, label);
        }
      });
    }

    it('needs: computes exactly the requested gradients, with the same values', () => {
      const rand = seededRandom(5);
      m.scope(() => {
        const x = m.tensor(randomArray(3 * 10, rand), [3, 10]);
        const w = m.tensor(randomArray(7 * 10, rand), [7, 10]);
        const dy = m.tensor(randomArray(3 * 7, rand), [3, 7]);
        const all = m.linearBackward(x, w, dy, { bias: true });
        expect(all.dx?.shape).toEqual([3, 10]);
        expect(all.dw?.shape).toEqual([7, 10]);
        expect(all.db?.shape).toEqual([7]);
        expect(m.linearBackward(x, w, dy).db).toBeUndefined();

        const onlyDx = m.linearBackward(x, w, dy, { bias: true, needs: { dw: false, db: false } });
        expect(onlyDx.dw).toBeUndefined();
        expect(onlyDx.db).toBeUndefined();
        expect(onlyDx.dx!.toFloat32Array()).toEqual(all.dx!.toFloat32Array());

        const onlyDw = m.linearBackward(x, w, dy, { needs: { dx: false } });
        expect(onlyDw.dx).toBeUndefined();
        expect(onlyDw.dw!.toFloat32Array()).toEqual(all.dw!.toFloat32Array());

        const onlyDb = m.linearBackward(x, w, dy, { needs: { dx: false, dw: false, db: true } });
        expect(onlyDb.dx).toBeUndefined();
        expect(onlyDb.dw).toBeUndefined();
        expect(onlyDb.db!.toFloat32Array()).toEqual(all.db!.toFloat32Array());
      });
    });

    it('bias may be omitted, null, or a tensor', () => {
      m.scope(() => {
        const x = m.tensor([1, 2, 3, 4], [2, 2]);
        const w = m.tensor([1, 0, 0, 1, 1, 1], [3, 2]);
        expect(Array.from(m.linear(x, w).toFloat32Array())).toEqual([1, 2, 3, 3, 4, 7]);
        expect(Array.from(m.linear(x, w, null).toFloat32Array())).toEqual([1, 2, 3, 3, 4, 7]);
        const b = m.tensor([10, 20, 30], [3]);
        expect(Array.from(m.linear(x, w, b).toFloat32Array())).toEqual([11, 22, 33, 13, 24, 37]);
      });
    });
  });
}
