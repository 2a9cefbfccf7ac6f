/**
 * bindings/train/loss.ts on every backend: cross-entropy (class labels, label smoothing, soft
 * targets, mean and sum) and MSE against torch.nn.functional (fixtures optim.json), the gradient
 * against finite differences, typed errors (label out of range, NaN loss).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import optimJson from '../fixtures/optim.json' with { type: 'json' };
import { asFixtureFile, decodeTensors } from '../fixtures/decode';
import { init, type Backend } from '../../bindings/index';
import { DTypeError, NonFiniteError, OptionError, ShapeError } from '../../bindings/errors';
import { crossEntropy, mse } from '../../bindings/train/loss';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, randomArray, seededRandom, type Tolerance } from '../harness/numeric';

interface LossFixtureOptions {
  labelSmoothing?: number; reduction: 'mean' | 'sum'; soft?: boolean; labels?: number[]; loss: number; loss64: number;
}

const cases = asFixtureFile<LossFixtureOptions>(optimJson).cases;
/** Our sums run in float64, so we sit nearer PyTorch's float64 value than its float32 one; both within this. */
const VS_TORCH: Tolerance = { rtol: 2e-6, atol: 1e-8 };

for (const backend of BACKENDS) {
  describe(`losses [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    describe('cross-entropy matches F.cross_entropy', () => {
      for (const fc of cases.filter((c) => c.op === 'crossEntropy')) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const o = fc.options;
          m.scope(() => {
            const logits = m.tensor(t.logits.data, t.logits.shape);
            const target = o.soft ? m.tensor(t.target.data, t.target.shape) : Int32Array.from(o.labels!);
            const { loss, grad } = crossEntropy(m, logits, target, { labelSmoothing: o.labelSmoothing, reduction: o.reduction });
            expect(Math.abs(loss - o.loss64), `loss ${loss} vs ${o.loss64}`).toBeLessThanOrEqual(1e-6 * Math.abs(o.loss64));
            expect(Math.abs(loss - o.loss)).toBeLessThanOrEqual(2e-6 * Math.abs(o.loss64));
            expect(grad.shape).toEqual(t.logits.shape);
            expectAllClose(grad.toFloat32Array(), t.grad.data, VS_TORCH, `${fc.name} grad`);
          });
        });
      }
    });

    describe('MSE matches F.mse_loss', () => {
      for (const fc of cases.filter((c) => c.op === 'mse')) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          m.scope(() => {
            const { loss, grad } = mse(m, m.tensor(t.y.data, t.y.shape), m.tensor(t.target.data, t.target.shape),
              { reduction: fc.options.reduction });
            expect(Math.abs(loss - fc.options.loss64)).toBeLessThanOrEqual(1e-6 * Math.abs(fc.options.loss64));
            expectAllClose(grad.toFloat32Array(), t.grad.data, VS_TORCH, `${fc.name} grad`);
          });
        });
      }
    });

    it('the cross-entropy gradient agrees with central differences of the loss (smoothing, soft targets)', () => {
      const rand = seededRandom(3);
      const [n, c] = [3, 5];
      const x = randomArray(n * c, rand);
      const soft = randomArray(n * c, rand).map((v) => Math.abs(v));
      const labels = Int32Array.from([4, 0, 2]);
      for (const target of [labels, soft]) {
        const lossAt = (data: Float32Array) => m.scope(() => {
          const tt = target instanceof Int32Array ? target : m.tensor(target, [n, c]);
          const r = crossEntropy(m, m.tensor(data, [n, c]), tt, { labelSmoothing: 0.2 });
          return r.loss;
        });
        const grad = m.scope(() => {
          const tt = target instanceof Int32Array ? target : m.tensor(target, [n, c]);
          return crossEntropy(m, m.tensor(x, [n, c]), tt, { labelSmoothing: 0.2 }).grad.toFloat32Array();
        });
        for (let i = 0; i < n * c; i++) {
          const h = 1e-2;
          const up = x.slice(); up[i] += h;
          const down = x.slice(); down[i] -= h;
          const numeric = (lossAt(up) - lossAt(down)) / (2 * h);
          expect(Math.abs(numeric - grad[i]), `d/dx[${i}]`).toBeLessThan(2e-4);
        }
      }
    });

    it('typed errors: labels out of range, wrong type/count, soft target shape, options, NaN loss', () => {
      m.scope(() => {
        const logits = m.tensor(randomArray(6, seededRandom(1)), [2, 3]);
        expect(() => crossEntropy(m, logits, Int32Array.from([0, 3]))).toThrow(OptionError);
        expect(() => crossEntropy(m, logits, Int32Array.from([0, 3]))).toThrow(/target\[1\] = 3 is not a class index in \[0, 2\]/);
        expect(() => crossEntropy(m, logits, Int32Array.from([-1, 0]))).toThrow(/target\[0\] = -1/);
        expect(() => crossEntropy(m, logits, Int32Array.from([0]))).toThrow(/1 labels but logits \[2, 3\] has N = 2/);
        expect(() => crossEntropy(m, logits, [0, 1] as never)).toThrow(DTypeError);
        expect(() => crossEntropy(m, logits, m.zeros([2, 4]))).toThrow(ShapeError);
        expect(() => crossEntropy(m, m.zeros([6]), Int32Array.from([0]))).toThrow(/logits must have 2 dimensions/);
        expect(() => crossEntropy(m, logits, Int32Array.from([0, 1]), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
        expect(() => crossEntropy(m, logits, Int32Array.from([0, 1]), { reduction: 'none' as never })).toThrow(/reduction/);
        const bad = m.tensor([0, NaN, 1, 2, 3, 4], [2, 3]);
        const zeros = m.zeros([2, 3]);
        const before = m.info().liveTensors;
        expect(() => crossEntropy(m, bad, Int32Array.from([0, 1]))).toThrow(NonFiniteError);
        expect(() => mse(m, bad, zeros)).toThrow(/the loss is NaN/);
        expect(m.info().liveTensors).toBe(before); // the failed calls left no gradient behind
        expect(() => mse(m, logits, m.zeros([3, 2]))).toThrow(/target must have shape \[2, 3\]/);
      });
    });
  });
}
