/**
 * Issue 13 regressions (defects 2, 4, 6, 7 and the keep() mechanism for defect 3), on every backend:
 * each bad input gets a typed error naming the culprit, both backends give one meaning to each
 * input, and the instance keeps working with nothing leaked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DisposedTensorError, DTypeError, init, OptionError, resolveDcdConfig, ShapeError, Tensor,
  type Backend, type DcdDims, type DcdForwardOptions,
} from '../../bindings/index';
import { dcdTensorSpecs } from '../../bindings/ops/dcd';
import { BACKENDS } from '../harness/backends';
import { randomArray, seededRandom } from '../harness/numeric';

const conv = resolveDcdConfig({ kind: 'conv_dy', inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1 });

function dcdState(m: Backend, d: DcdDims, seed = 1) {
  const rand = seededRandom(seed);
  return Object.fromEntries(dcdTensorSpecs(d).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = s.name.endsWith('running_var') ? new Float32Array(n).fill(1) : randomArray(n, rand).map((v) => v * 0.3);
    return [s.name, m.tensor(data, s.shape)];
  }));
}

/** A checked call: the typed error and message, then the instance still computes and nothing leaked. */
function expectRejected(m: Backend, call: () => unknown, error: new (message: string) => Error, message: RegExp): void {
  const before = m.memoryStats();
  expect(call).toThrow(error);
  expect(call).toThrow(message);
  expect(m.memoryStats().liveTensors).toBe(before.liveTensors);
  expect(m.memoryStats().allocatedBytes).toBe(before.allocatedBytes);
  m.scope(() => {
    const y = m.conv2d(m.tensor([1, 2, 3, 4], [1, 1, 2, 2]), m.tensor([1, 1, 1, 1], [1, 1, 2, 2]));
    expect([...y.data]).toEqual([10]);
  });
}

for (const backend of BACKENDS) {
  describe(`safety regressions [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    describe('defect 2: dcdForward checks its options and dims', () => {
      it('options: training must be a boolean, typos and a missing object are rejected', () => {
        m.scope(() => {
          const state = dcdState(m, conv);
          const x = m.tensor(randomArray(2 * 16 * 5 * 5, seededRandom(2)), [2, 16, 5, 5]);
          const forward = (options: unknown) => () => m.dcdForward(conv, state, x, options as DcdForwardOptions);
          expectRejected(m, forward({ training: 1 }), OptionError, /training must be a boolean, got number 1/);
          expectRejected(m, forward({ trainig: true }), OptionError, /unknown option 'trainig'/);
          expectRejected(m, forward(undefined), OptionError, /options \{ training: boolean \} are required/);
          expectRejected(m, forward({ training: true, needsBackward: 'no' }), OptionError, /needsBackward must be a boolean/);
          expectRejected(m, forward(null), OptionError, /options must be an object/);
          const { y, cache } = m.dcdForward(conv, state, x, { training: true });
          expect(y.shape).toEqual([2, 8, 5, 5]);
          cache?.dispose();
        });
      });

      it('hand-made dims: stride 0, kind foo, unknown or missing fields, inconsistent variant', () => {
        m.scope(() => {
          const state = dcdState(m, conv);
          const x = m.tensor(randomArray(16 * 25, seededRandom(3)), [1, 16, 5, 5]);
          const forward = (dims: unknown) => () => m.dcdForward(dims as DcdDims, state, x, { training: false });
          expectRejected(m, forward({ ...conv, stride: 0 }), OptionError, /dims\.stride must be an integer >= 1, got number 0/);
          expectRejected(m, forward({ ...conv, kind: 'foo' }), OptionError, /dims\.kind must be one of/);
          expectRejected(m, forward({ ...conv, strid: 2 }), OptionError, /unknown option 'strid'/);
          const { latent: _, ...noLatent } = conv;
          expectRejected(m, forward(noLatent), OptionError, /dims\.latent is missing/);
          expectRejected(m, forward({ ...conv, hasLambda: false }), OptionError, /hasLambda/);
          expectRejected(m, forward({ ...conv, padding: 3 }), OptionError, /dims\.padding must be 1/);
          expectRejected(m, forward({ ...conv, latent: 2.5 }), OptionError, /dims\.latent must be an integer/);
          expectRejected(m, forward(null), OptionError, /dims/);
          // A copy of valid dims (not frozen) is as good as the original.
          expect(m.dcdForward({ ...conv }, state, x, { training: false, needsBackward: false }).y.shape).toEqual([1, 8, 5, 5]);
        });
      });
    });

    describe('defect 4: copying from a view of this module\'s memory', () => {
      it('m.tensor(t.data, t.shape) survives memory growth and copies the values', () => {
        m.scope(() => {
          const data = randomArray(1000, seededRandom(4));
          const t = m.tensor(data, [10, 100]);
          // Big enough to need new memory on the wasm backends: the source view detaches mid-call.
          const big = m.tensor(t.data, t.shape);
          expect([...big.data]).toEqual([...data]);
          const n = (m.info().memoryBytes / 4) + 1024; // bigger than all memory so far
          const src = m.tensor(new Float32Array(n).fill(2.5), [n]);
          const copy = m.tensor(src.data, src.shape);
          expect(copy.data[0]).toBe(2.5);
          expect(copy.data[n - 1]).toBe(2.5);
          expect(src.data.length).toBe(n); // .data is re-derived: never an empty view
        });
      });

      it('a held .data view is re-derived when read again after growth', () => {
        m.scope(() => {
          const t = m.tensor([1, 2, 3], [3]);
          const n = (m.info().memoryBytes / 4) + 1024;
          m.zeros([n]);
          expect([...t.data]).toEqual([1, 2, 3]);
        });
      });
    });

    describe('defect 6: sparse shape arrays', () => {
      it('holes in a shape or in number[] data are rejected', () => {
        // eslint-disable-next-line no-sparse-arrays
        const sparse = [1, 1, , 4] as number[];
        expectRejected(m, () => m.zeros(sparse), ShapeError, /shape\[2\] must be a non-negative integer, got a hole/);
        expectRejected(m, () => m.tensor(new Float32Array(4), sparse), ShapeError, /shape\[2\]/);
        // eslint-disable-next-line no-sparse-arrays
        expectRejected(m, () => m.tensor([1, , 3] as number[], [3]), DTypeError, /data\[1\] must be a number/);
      });
    });

    describe('defect 7: fake tensors and init options', () => {
      it('an object with Tensor.prototype but no storage is a DTypeError, not a TypeError', () => {
        const fake = Object.create(Tensor.prototype) as Tensor;
        expectRejected(m, () => m.conv2d(fake, fake), DTypeError, /conv2d: x must be a Tensor/);
        expectRejected(m, () => m.keep(fake), DTypeError, /keep: argument 0 must be a Tensor/);
        expect(Tensor.isTensor(fake)).toBe(false);
        expect(Tensor.isTensor({ shape: [1], data: new Float32Array(1) })).toBe(false);
      });

      it('init checks threadMinFlops even with one thread', async () => {
        await expect(init({ backend, threadMinFlops: 'x' as unknown as number })).rejects.toThrow(OptionError);
        await expect(init({ backend, threadMinFlops: -1 })).rejects.toThrow(/threadMinFlops must be a number >= 0/);
        await expect(init({ backend, threadMinFlops: NaN })).rejects.toThrow(OptionError);
        expect((await init({ backend, threadMinFlops: 0 })).info().backend).toBe(backend);
      });
    });

    describe('keep(): tensors that outlive scope() (the mechanism modules use for defect 3)', () => {
      it('a kept tensor survives the scope that made it and every enclosing one', () => {
        const live = m.memoryStats().liveTensors;
        let kept!: Tensor, other!: Tensor;
        m.scope(() => {
          m.scope(() => {
            kept = m.keep(m.zeros([4]));
            other = m.zeros([4]);
            const [a, b] = [m.zeros([2]), m.zeros([2])];
            m.keep(a, b);
            expect(a.isDisposed || b.isDisposed).toBe(false);
            a.dispose();
            b.dispose();
          });
          expect(kept.isDisposed).toBe(false);
          expect(other.isDisposed).toBe(true);
        });
        expect(kept.isDisposed).toBe(false);
        expect(m.memoryStats().liveTensors).toBe(live + 1);
        kept.dispose();
        expect(m.memoryStats().liveTensors).toBe(live);
      });

      it('returning a kept tensor from scope() changes nothing; bad arguments are typed errors', () => {
        const t = m.scope(() => m.keep(m.zeros([3])));
        m.scope(() => t); // not owned by this scope: must not be disposed by it either
        expect(t.isDisposed).toBe(false);
        t.dispose();
        expectRejected(m, () => m.keep(t), DisposedTensorError, /keep: argument 0/);
        expectRejected(m, () => (m.keep as (...a: unknown[]) => Tensor)(), DTypeError, /at least one Tensor/);
      });

      it('a tensor of another instance is rejected', async () => {
        const other = await init({ backend });
        const foreign = other.zeros([2]);
        expectRejected(m, () => m.keep(foreign), DisposedTensorError, /another module instance/);
        foreign.dispose();
      });
    });
  });
}

describe('defect 2: both backends give { training: true } the same meaning', () => {
  it('js and wasm agree on train-mode output and running statistics', async () => {
    const results: { y: Float32Array; mean: Float32Array }[] = [];
    for (const backend of BACKENDS) {
      const m = await init({ backend });
      results.push(m.scope(() => {
        const state = dcdState(m, conv, 9);
        const x = m.tensor(randomArray(2 * 16 * 5 * 5, seededRandom(10)), [2, 16, 5, 5]);
        const { y, cache } = m.dcdForward(conv, state, x, { training: true });
        cache?.dispose();
        return { y: y.toFloat32Array(), mean: state['bn1.running_mean'].toFloat32Array() };
      }));
    }
    for (const r of results.slice(1)) {
      r.y.forEach((v, i) => expect(Math.abs(v - results[0].y[i])).toBeLessThan(1e-4));
      r.mean.forEach((v, i) => expect(Math.abs(v - results[0].mean[i])).toBeLessThan(1e-5));
    }
  });
});
